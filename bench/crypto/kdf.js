// kdf.js pbkdf2|scrypt [seconds]: as kdf.lua, for Node.
const crypto = require('crypto');
const what = process.argv[2] || 'pbkdf2';
const secs = Number(process.argv[3]) || 2;
function once() {
  if (what === 'pbkdf2')
    return crypto.pbkdf2Sync('password', 'salt', 100000, 32, 'sha256');
  return crypto.scryptSync('password', 'salt', 64, { N: 16384, r: 8, p: 1 });
}
once();
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
let n = 0, dt = 0;
const t0 = cpu();
do {
  once();
  n++;
  dt = cpu() - t0;
} while (dt < secs);
console.log((n / dt).toFixed(1));
