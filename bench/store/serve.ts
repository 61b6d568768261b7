/**
 * The HTTP server of the bench's baseline processes (bare-koa-main, floor-main): `handle` on a free
 * port of 127.0.0.1, `ready <url>` on stdout once listening, and on SIGTERM connections closed,
 * `closing` awaited, exit 0.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export function serve(
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  closing: () => Promise<unknown> = () => Promise.resolve(),
): void {
  const server = createServer((req, res) => void handle(req, res));
  server.keepAliveTimeout = 5000;
  server.listen(0, '127.0.0.1', () => {
    console.log(`ready http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  });
  process.once('SIGTERM', () => {
    server.close(() => void closing().then(() => process.exit(0)));
    server.closeAllConnections();
  });
}
