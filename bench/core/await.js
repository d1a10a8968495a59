// 1 million `await Promise.resolve(i)` in one async function: ops/s.
const COUNT = 1000000;
(async () => {
  let sum = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 1; i <= COUNT; i++) sum += await Promise.resolve(i);
  if (sum !== COUNT * (COUNT + 1) / 2) throw new Error('bad');
  console.log((COUNT / (Number(process.hrtime.bigint() - t0) / 1e9)).toFixed(0));
})();
