// 10 million emits with N listeners (argv[2], default 1): prints ops/s.
const { EventEmitter } = require('events');
const N = Number(process.argv[2] || 1), COUNT = 10000000;
const e = new EventEmitter();
let sum = 0;
for (let i = 0; i < N; i++) e.on('x', (a) => { sum += a; });
const c0 = process.cpuUsage();
for (let i = 0; i < COUNT; i++) e.emit('x', 1);
const c = process.cpuUsage(c0), dt = (c.user + c.system) / 1e6;
if (sum !== COUNT * N) throw new Error('bad sum');
console.log((COUNT / dt).toFixed(0));
