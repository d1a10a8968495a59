// Copies argv[2] to argv[3] with createReadStream -> createWriteStream
// (pipe, default options); prints MB/s (1 MB = 2^20 bytes).
const fs = require('fs');
const [src, dst] = process.argv.slice(2);
const size = fs.statSync(src).size;
const t0 = process.hrtime.bigint();
const w = fs.createWriteStream(dst);
w.on('close', () => {
  if (fs.statSync(dst).size !== size) throw new Error('short copy');
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log((size / 1048576 / s).toFixed(1));
});
fs.createReadStream(src).pipe(w);
