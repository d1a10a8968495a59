// 1 million createHash('sha256').update('hello').digest('hex'); prints
// ops/s.
const crypto = require('crypto');
const N = Number(process.argv[2]) || 1000000;
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const t0 = cpu();
let x;
for (let i = 0; i < N; i++) {
  x = crypto.createHash('sha256').update('hello').digest('hex');
}
const dt = cpu() - t0;
if (x !== '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824')
  throw new Error('bad digest');
console.log(Math.floor(N / dt));
