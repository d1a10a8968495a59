// bench/crypto_pk/pk.js WORKLOAD KEYDIR [SECONDS]: the workloads of
// pk.lua with Node's crypto on the same keys; prints operations per
// second of CPU time.
const crypto = require('crypto');
const fs = require('fs');
const [w, dir] = process.argv.slice(2, 4);
const secs = Number(process.argv[4]) || 2;
const pem = fs.readFileSync(`${dir}/${w.split('-')[0]}.pem`, 'latin1');
const priv = crypto.createPrivateKey(pem);
const pub = crypto.createPublicKey(priv);
const msg = Buffer.from('m'.repeat(64));
const sig = crypto.sign('sha256', msg, priv);
let op;
if (w === 'rsa-sign' || w === 'ec-sign') {
  op = () => crypto.sign('sha256', msg, priv);
} else if (w === 'rsa-sign-pem') {
  op = () => crypto.sign('sha256', msg, pem);
} else if (w === 'rsa-pss-sign') {
  const key = { key: priv, padding: crypto.constants.RSA_PKCS1_PSS_PADDING };
  op = () => crypto.sign('sha256', msg, key);
} else {
  op = () => { if (!crypto.verify('sha256', msg, pub, sig)) throw 0; };
}
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const t0 = cpu();
let n = 0;
do {
  for (let i = 0; i < 10; i++) op();
  n += 10;
} while (cpu() - t0 < secs);
console.log(Math.floor(n / (cpu() - t0)));
