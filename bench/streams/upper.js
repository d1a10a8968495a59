// A Transform that upper-cases ASCII, fed 256 MiB in 64 KiB chunks by a
// Readable and drained by a Writable that drops them; prints MB/s.
const { Readable, Transform, Writable, pipeline } = require('stream');
const CHUNK = 65536, TOTAL = 256 * 1048576;
const block = Buffer.from('lode streams, Lua 5.4! '.repeat(CHUNK / 23 + 1)
  .slice(0, CHUNK));
let sent = 0, got = 0;
const src = new Readable({ read() {
  if (sent >= TOTAL) return this.push(null);
  sent += CHUNK;
  this.push(block);
} });
const upper = new Transform({ transform(c, _, cb) {
  cb(null, c.toString('latin1').toUpperCase());
} });
const sink = new Writable({ write(c, _, cb) { got += c.length; cb(); } });
const t0 = process.hrtime.bigint();
pipeline(src, upper, sink, (err) => {
  if (err || got !== TOTAL) throw err || new Error('lost bytes');
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log((TOTAL / 1048576 / s).toFixed(1));
});
