'use strict';
/**
 * Where the traced drain exports its spans: an OTLP/HTTP endpoint that answers every export at
 * once and counts requests and bytes, standing in for a collector on another machine. It runs in
 * the bench's own process, so its CPU is not counted as the workers' or the API's.
 */
const { createServer } = require('node:http');

async function startOtlpSink() {
  const stats = { exports: 0, bytes: 0 };
  const server = createServer((request, response) => {
    request.on('data', (chunk) => (stats.bytes += chunk.length));
    request.on('end', () => {
      stats.exports += 1;
      response.writeHead(200, { 'content-type': request.headers['content-type'] ?? 'application/x-protobuf' }).end();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    stats: () => ({ ...stats }),
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

module.exports = { startOtlpSink };
