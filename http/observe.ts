import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import type { Logger } from 'pino';
import { edgeState } from './context.js';
import type { EdgeMetrics } from './metrics.js';

/** A client's X-Request-Id is echoed only when it is this safe (it goes into logs and headers). */
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Route label for requests no route matched: keeps the metric's cardinality bounded. */
export const UNMATCHED_ROUTE = 'unmatched';

/** Log paths never written, whatever a future log call passes in. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'authorization',
  'token',
  'paymentToken',
  '*.token',
  '*.paymentToken',
  '*.authorization',
  '*.headers.authorization',
  '*.jwtSecret',
];

/**
 * Outermost middleware: gives every request an id (the client's when safe, else a new UUID),
 * echoes it in `X-Request-Id`, records the HTTP metrics under the router's path template and
 * logs one line per request. It logs no headers and no bodies, so no tokens can leak.
 */
export function observeMiddleware(logger: Logger, metrics: EdgeMetrics): Middleware {
  const log = logger.child({ component: 'http' }, { redact: REDACT_PATHS });
  return async (ctx, next) => {
    const started = process.hrtime.bigint();
    const given = ctx.get('X-Request-Id');
    const requestId = SAFE_REQUEST_ID.test(given) ? given : randomUUID();
    const state = edgeState(ctx);
    state.requestId = requestId;
    state.principal = null;
    state.authError = null;
    ctx.set('X-Request-Id', requestId);
    try {
      await next();
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const matched = (ctx as { _matchedRoute?: unknown })._matchedRoute;
      const route = typeof matched === 'string' ? matched : UNMATCHED_ROUTE;
      const labels = { method: ctx.method, route, status: String(ctx.status) };
      metrics.requestDuration.observe(labels, seconds);
      metrics.requests.inc(labels);
      log.info(
        {
          reqId: requestId,
          method: ctx.method,
          route,
          path: ctx.path,
          status: ctx.status,
          ms: Math.round(seconds * 1e5) / 100,
          sub: edgeState(ctx).principal?.sub,
        },
        'request',
      );
    }
  };
}
