// 1 million Buffer.from('hello') + toString('hex'): prints ops/s.
const COUNT = 1000000;
const c0 = process.cpuUsage();
let s;
for (let i = 0; i < COUNT; i++) s = Buffer.from('hello').toString('hex');
const c = process.cpuUsage(c0), dt = (c.user + c.system) / 1e6;
if (s !== '68656c6c6f') throw new Error('bad');
console.log((COUNT / dt).toFixed(0));
