// bench/zlib.sh's one-shot case, Node side: as bench/zlib/oneshot.lua.
const zlib = require('zlib');

const N = Number(process.argv[2] || 2000);
const parts = [];
for (let i = 1; i <= 400; i++) {
  parts.push(`{"id":${i},"name":"user${i * 7}","tags":["a","b"],"ok":true}`);
}
const body = Buffer.from(parts.join(',').slice(0, 16384));

let t0 = process.hrtime.bigint();
for (let k = 0; k < N; k++) {
  if (zlib.gunzipSync(zlib.gzipSync(body)).length !== body.length) throw 0;
}
const sync = N / (Number(process.hrtime.bigint() - t0) / 1e9);

let i = 0;
t0 = process.hrtime.bigint();
function step() {
  zlib.gzip(body, (err, gz) => {
    if (err) throw err;
    zlib.gunzip(gz, (err2, out) => {
      if (err2 || out.length !== body.length) throw err2;
      if (++i < N) return step();
      const rate = N / (Number(process.hrtime.bigint() - t0) / 1e9);
      console.log(`${sync.toFixed(0)} ${rate.toFixed(0)}`);
    });
  });
}
step();
