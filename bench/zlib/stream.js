// bench/zlib.sh's Node side: the same pipeline as bench/zlib/stream.lua.
// usage: node bench/zlib/stream.js gzip|gunzip|br|unbr IN OUT
const zlib = require('zlib');
const fs = require('fs');
const { pipeline } = require('stream');

const [mode, input, output] = process.argv.slice(2);
let z;
if (mode === 'gzip') z = zlib.createGzip({ level: 6 });
else if (mode === 'gunzip') z = zlib.createGunzip();
else if (mode === 'br') {
  z = zlib.createBrotliCompress({
    params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4 } });
} else z = zlib.createBrotliDecompress();
pipeline(fs.createReadStream(input), z, fs.createWriteStream(output),
  (err) => { if (err) { console.error(err); process.exit(1); } });
