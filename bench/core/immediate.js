// 1 million setImmediate callbacks, each queueing the next: ops/s.
const COUNT = 1000000;
let n = 0;
const t0 = process.hrtime.bigint();
function tick() {
  n++;
  if (n < COUNT) setImmediate(tick);
  else console.log((COUNT / (Number(process.hrtime.bigint() - t0) / 1e9)).toFixed(0));
}
setImmediate(tick);
