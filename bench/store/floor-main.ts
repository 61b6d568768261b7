/**
 * The floor of `bench:orders`: the least any design must do for a paid order that is kept, in a
 * process of its own, with the store's own parts and none of its actor runtime:
 * - the store's authenticator verifies the bearer token (dev mode, HS256);
 * - koa-bodyparser and the store's `PlaceOrderBody` schema read the body;
 * - the store's payment client charges through the provider (keep-alive HTTP, circuit breaker);
 * - one `XADD` keeps the paid order in Redis (the stack's redis-server, AOF everysec).
 *
 * No mailboxes, no actor hops, no reply stream, no read models, no rate limit. What this process
 * serves under the same load bounds what any order path in one process, paying synchronously and
 * keeping its orders, can serve on this machine. Env: REDIS_URL, PSP_URL. Prints `ready <url>`.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import Koa from 'koa';
import bodyParser from 'koa-bodyparser';
import { findProduct } from '../../actors/catalogue.js';
import { DEV_JWT_SECRET } from '../../config/index.js';
import { createAuthenticator } from '../../http/auth.js';
import { PlaceOrderBody } from '../../http/schemas.js';
import { createHttpPaymentProvider } from '../../outbound/payment/http-provider.js';
import { serve } from './serve.js';

const need = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} must be set`);
  return v;
};

const redis = new Redis(need('REDIS_URL'), { enableAutoPipelining: true });
const provider = createHttpPaymentProvider({ baseUrl: need('PSP_URL'), timeoutMs: 2000 });
const auth = createAuthenticator({
  authMode: 'dev',
  jwtSecret: DEV_JWT_SECRET,
  jwksUrl: null,
  jwtIssuer: null,
  jwtAudience: null,
});
const stream = `floor${randomUUID().slice(0, 8)}:orders`;

const app = new Koa();
app.use(bodyParser());
app.use(async (ctx) => {
  const caller = await auth.verify((ctx.get('Authorization') ?? '').replace(/^Bearer /, ''));
  if (caller.role !== 'customer') return ctx.throw(403, 'customers only');
  const body = PlaceOrderBody.parse(ctx.request.body);
  const product = findProduct(body.productId);
  if (!product) return ctx.throw(400, 'unknown product');
  const orderId = `ord_${randomUUID()}`;
  const amount = product.price * body.quantity;
  const charge = await provider.charge({
    idempotencyKey: `charge:${orderId}`,
    amount,
    currency: product.currency,
    token: body.paymentToken,
  });
  if (charge.status !== 'approved') return ctx.throw(503, `charge ${charge.status}`);
  const order = {
    orderId,
    status: 'Ordered',
    customerId: caller.sub,
    productId: product.id,
    quantity: body.quantity,
    amount,
    currency: product.currency,
  };
  await redis.xadd(stream, '*', 'order', JSON.stringify({ ...order, chargeId: charge.chargeId }));
  ctx.status = 201;
  ctx.body = order;
});
serve(app.callback(), () => provider.close().then(() => redis.quit()));
