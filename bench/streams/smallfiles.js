// writeFile then readFile of 10,000 small files (100 bytes each) in
// directory argv[2], one at a time through the Promise forms; prints
// files/s (a write and a read count as one file).
const fs = require('fs');
const dir = process.argv[2], COUNT = 10000;
const data = '0123456789'.repeat(10);
(async () => {
  const t0 = process.hrtime.bigint();
  for (let i = 1; i <= COUNT; i++) {
    await fs.promises.writeFile(`${dir}/f${i}`, data);
  }
  for (let i = 1; i <= COUNT; i++) {
    if ((await fs.promises.readFile(`${dir}/f${i}`)).length !== 100) throw 0;
  }
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log((COUNT / s).toFixed(0));
})();
