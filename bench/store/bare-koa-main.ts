/**
 * The baseline of `bench:orders`: a bare Koa handler (no router, no body parsing, no auth)
 * answering every request with a small JSON body, in a process of its own. Prints `ready <url>`.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';

const app = new Koa();
app.use((ctx) => {
  ctx.status = 201;
  ctx.body = { orderId: 'o-bare', status: 'Ordered' };
});
const handle = app.callback();
const server = createServer((req, res) => void handle(req, res));
server.keepAliveTimeout = 5000;
server.listen(0, '127.0.0.1', () => {
  console.log(`ready http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
process.once('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
