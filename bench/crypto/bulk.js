// bulk.js ALG [MiB]: as bulk.lua, for Node (CPU time: process.cpuUsage,
// all threads).
const crypto = require('crypto');
const alg = process.argv[2] || 'sha256';
const mib = Number(process.argv[3]) || 256;
const CHUNK = 65536;
const chunk = Buffer.alloc(CHUNK, 0x61);
const n = mib * 1024 * 1024 / CHUNK;
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const t0 = cpu();
if (alg.startsWith('sha')) {
  const h = crypto.createHash(alg);
  for (let i = 0; i < n; i++) h.update(chunk);
  h.digest();
} else {
  const klen = alg.includes('128') ? 16 : 32;
  const ivlen = alg.includes('gcm') || alg.includes('chacha') ? 12 : 16;
  const c = crypto.createCipheriv(alg, Buffer.alloc(klen, 1),
    Buffer.alloc(ivlen, 2));
  let total = 0;
  for (let i = 0; i < n; i++) total += c.update(chunk).length;
  total += c.final().length;
  if (total < n * CHUNK) throw new Error('short output');
}
const dt = cpu() - t0;
console.log(Math.floor(n * CHUNK / dt / 1e6));
