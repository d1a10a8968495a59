// Node's client for bench/net.sh: same protocol as echo_client.lua.
const net = require('net');
const port = +process.argv[2], total = +process.argv[3] || 2 ** 30;
const chunk = Buffer.alloc(65536, 120);
let sent = 0, got = 0, t0;
const c = net.connect(port, '127.0.0.1');
function pump() {
  while (sent < total) {
    sent += chunk.length;
    if (!c.write(chunk)) return;
  }
}
c.on('connect', () => { t0 = process.hrtime.bigint(); pump(); });
c.on('drain', pump);
c.on('data', (d) => {
  got += d.length;
  if (got >= total) {
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    console.log((total / s / 1e6).toFixed(0));
    c.destroy();
  }
});
