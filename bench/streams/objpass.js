// 1 million objectMode chunks: Readable -> PassThrough -> Writable, all
// objectMode, piped by pipeline(); prints chunks/s.
const { Readable, PassThrough, Writable, pipeline } = require('stream');
const COUNT = Number(process.argv[2]) || 1000000;
let n = 0, got = 0;
const src = new Readable({ objectMode: true, read() {
  n++;
  if (n > COUNT) return this.push(null);
  this.push(n);
} });
const sink = new Writable({ objectMode: true,
  write(_c, _e, cb) { got++; cb(); } });
const t0 = process.hrtime.bigint();
pipeline(src, new PassThrough({ objectMode: true }), sink, (err) => {
  if (err || got !== COUNT) throw err || new Error('lost chunks');
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log((COUNT / s).toFixed(0));
});
