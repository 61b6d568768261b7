import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { MAX_RESPONSE_BYTES, createJsonClient, type JsonClient } from '../../outbound/http-client.js';
import { waitFor } from '../support/processes.js';

/** A real HTTP server that answers 201 with a JSON body of `size` bytes, written in 64 KiB chunks. */
async function startServer(
  size: number,
): Promise<{ url: URL; written: () => number; closed: () => boolean; stop: () => Promise<void> }> {
  let written = 0;
  let closed = false;
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  const server = http.createServer((req, res) => {
    req.resume();
    res.writeHead(201, { 'content-type': 'application/json' });
    res.on('close', () => (closed = true));
    res.write('{"status":"approved","pad":"');
    const pump = (): void => {
      while (written < size && !closed) {
        written += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      if (!closed) res.end('"}');
    };
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: new URL(`http://127.0.0.1:${port}/charges`),
    written: () => written,
    closed: () => closed,
    stop: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('outbound: the JSON client against a real server answering huge bodies', () => {
  let client: JsonClient;
  const stops: Array<() => Promise<void>> = [];
  beforeEach(() => (client = createJsonClient()));
  afterEach(async () => {
    client.close();
    for (const stop of stops.splice(0)) await stop();
  });

  it('stops reading a body over the cap, drops the socket and judges the body as not JSON', async () => {
    const size = 256 * 1024 * 1024; // what crashed the process when buffered whole
    const server = await startServer(size);
    stops.push(server.stop);
    const answer = await client.post(server.url, { ping: 1 }, { timeoutMs: 30_000 });
    expect(answer.status).to.equal(201);
    expect(answer.body).to.equal(undefined);
    await waitFor(() => server.closed(), { timeoutMs: 10_000, what: 'the server sees the socket dropped' });
    expect(server.written()).to.be.below(size / 4);
  });

  it('still reads a body under the cap whole', async () => {
    const server = await startServer(MAX_RESPONSE_BYTES - 128 * 1024);
    stops.push(server.stop);
    const answer = await client.post(server.url, { ping: 1 }, { timeoutMs: 30_000 });
    expect(answer.status).to.equal(201);
    expect((answer.body as { status: string }).status).to.equal('approved');
  });
});
