// TCP echo server for bench/net.sh (Node's side of the comparison).
const net = require('net');
const server = net.createServer((c) => {
  c.pipe(c);
  c.on('close', () => server.close());
});
server.listen(+process.argv[2] || 0, '127.0.0.1', () => {
  console.log(server.address().port);
});
