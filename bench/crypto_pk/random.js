// bench/crypto_pk/random.js WORKLOAD [N]: Node's crypto random generator,
// the same workloads as random.lua; prints ops per second of CPU time.
const crypto = require('crypto');
const w = process.argv[2] || 'bytes16';
let N = Number(process.argv[3]) || 0;
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const t0 = cpu();
const done = () => console.log(Math.floor(N / (cpu() - t0)));
if (w === 'bytes16') {
  N = N || 2000000;
  for (let i = 0; i < N; i++) crypto.randomBytes(16);
  done();
} else if (w === 'uuid') {
  N = N || 2000000;
  for (let i = 0; i < N; i++) crypto.randomUUID();
  done();
} else if (w === 'int') {
  N = N || 2000000;
  for (let i = 0; i < N; i++) crypto.randomInt(1000000);
  done();
} else if (w === 'bytes16cb') {
  N = N || 200000;
  let started = 0, n = 0;
  const cb = () => {
    n++;
    if (started < N) { started++; crypto.randomBytes(16, cb); }
    else if (n === started) done();
  };
  for (let i = 0; i < 1000; i++) { started++; crypto.randomBytes(16, cb); }
} else if (w === 'bytes1m') {
  N = N || 200;
  for (let i = 0; i < N; i++) crypto.randomBytes(1 << 20);
  console.log(Math.floor(N * 1.048576 / (cpu() - t0)));
}
