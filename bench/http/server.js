// bench/http.sh's server, as bench/http/server.lua.
const http = require('http');
const big = 'x'.repeat(65536);
const server = http.createServer((req, res) => {
  const url = req.url;
  if (url === '/') {
    res.setHeader('Content-Type', 'text/plain');
    res.end('Hello, World!');
  } else if (url === '/big') {
    res.setHeader('Content-Type', 'application/octet-stream');
    res.end(big);
  } else if (url === '/echo') {
    const parts = [];
    req.on('data', (c) => parts.push(c));
    req.on('end', () => {
      res.setHeader('Content-Type', 'application/json');
      res.end(Buffer.concat(parts));
    });
  } else {
    res.statusCode = 404;
    res.end();
  }
});
server.keepAliveTimeout = +process.argv[2] || 5000;
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
