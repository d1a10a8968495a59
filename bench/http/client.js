// Node's http client, as bench/http/client.lua.
const http = require('http');
const port = +process.argv[2], total = +process.argv[3] || 50000;
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const opts = { host: '127.0.0.1', port, path: '/', agent };
let n = 0;
const t0 = process.hrtime.bigint();
function one() {
  http.get(opts, (res) => {
    res.on('data', () => {});
    res.on('end', () => {
      if (++n < total) return one();
      const s = Number(process.hrtime.bigint() - t0) / 1e9;
      console.log(Math.floor(total / s));
      agent.destroy();
    });
  });
}
one();
