/**
 * The baseline of `bench:orders`: a bare Koa handler (no router, no body parsing, no auth)
 * answering every request with a small JSON body, in a process of its own. Prints `ready <url>`.
 */
import Koa from 'koa';
import { serve } from './serve.js';

const app = new Koa();
app.use((ctx) => {
  ctx.status = 201;
  ctx.body = { orderId: 'o-bare', status: 'Ordered' };
});
serve(app.callback());
