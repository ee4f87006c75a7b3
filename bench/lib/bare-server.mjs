// The reference point of every ratio: a bare node:http server that does the least a webhook receiver must do
// with the same request (read the body, parse the JSON, answer 200 with a small JSON body). Run as its own
// process so it gets a whole event loop, as the exporter does. Prints its port on stdout when listening.
import http from 'node:http';

const port = Number(process.argv[2] ?? 0);
const ACCEPTED = Buffer.from('{"status":"accepted"}');

const server = http.createServer((req, res) => {
  if (req.method === 'GET') {
    // The floor for the sequential-GET rows: the same client against the least a server can do.
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': ACCEPTED.length });
    res.end(ACCEPTED);
    return;
  }
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    try {
      JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      res.writeHead(400).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': ACCEPTED.length });
    res.end(ACCEPTED);
  });
});
server.keepAliveTimeout = 5_000;
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`${server.address().port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
