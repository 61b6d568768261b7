/**
 * The Koa edge. Middleware order, outermost first: request id + metrics + one log line
 * (observe), problem+json errors, operations routes (never rate limited), then for the `edge`
 * role: the drain, token resolution, per-caller rate limit, API routes (each reads its JSON body,
 * up to 64 KiB, once the caller may make the call: body.ts).
 */
import Koa from 'koa';
import { Router } from '@koa/router';
import { createAuthenticator } from './auth.js';
import { authMiddleware } from './auth.js';
import { cachedBacklog } from './backlog.js';
import type { AppDeps, RouteDeps } from './deps.js';
import { createDrain, type Drain } from './drain.js';
import { readBody } from './body.js';
import { edgeMetrics } from './metrics.js';
import { observeMiddleware } from './observe.js';
import { buildOpenApi } from './openapi.js';
import { problemMiddleware } from './problem.js';
import { rateLimitMiddleware } from './rate-limit.js';
import { storeGuard } from './store-guard.js';
import { mount, type Route } from './route.js';
import { adminRoutes } from './routes/admin.js';
import { authRoutes } from './routes/auth.js';
import { deliveryRoutes } from './routes/deliveries.js';
import { messageRoutes } from './routes/messages.js';
import { myPageRoutes } from './routes/my-pages.js';
import { opsRoutes } from './routes/ops.js';
import { orderManagementRoutes } from './routes/order-managements.js';
import { orderRoutes } from './routes/orders.js';
import { paymentRoutes } from './routes/payments.js';
import { productRoutes } from './routes/products.js';

/** Version of the REST API as `/openapi.json` states it. */
export const API_VERSION = '1.0.0';
/** A read answers within this (503 after it), like the Mongo read models' socket timeout. */
const READ_DEADLINE_MS = 5000;
/**
 * A command answers within the gateway's request timeout plus this: its own timeout, and for an
 * order the question whether it was placed meanwhile (at most 2 s more), answer first.
 */
const WRITE_DEADLINE_MARGIN_MS = 3000;
/** The data away for this long: its routes answer 503 at once (a shorter blip is waited out). */
const STORE_AWAY_GRACE_MS = 1000;

const CLIENT_FAULTS = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE']);

function isClientFault(err: unknown): err is { code: string } {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('HPE_') || CLIENT_FAULTS.has(code));
}

/** The app plus what it was built from (tests compare the routers with `/openapi.json`). */
export interface Edge {
  readonly app: Koa;
  readonly routers: readonly Router[];
  readonly routes: readonly Route[];
  /** The graceful stop of the API: begin, then wait for the requests in flight. */
  readonly drain: Drain;
}

function apiRoutes(deps: RouteDeps): Route[] {
  return [
    ...authRoutes(deps),
    ...productRoutes(),
    ...orderRoutes(deps),
    ...myPageRoutes(deps),
    ...orderManagementRoutes(deps),
    ...deliveryRoutes(deps),
    ...paymentRoutes(deps),
    ...messageRoutes(deps),
    ...adminRoutes(deps),
  ];
}

/** Build the edge; without the 'edge' role only /healthz, /readyz, /metrics (and /openapi.json) answer. */
export function createEdge(deps: AppDeps): Edge {
  const metrics = edgeMetrics(deps.registry);
  const serveApi = deps.roles.includes('edge');
  const routeDeps: RouteDeps = {
    ...deps,
    auth: createAuthenticator(deps.config),
    metrics,
    orderBacklog: cachedBacklog(deps.admin, deps.logger),
  };
  let document: unknown = null;
  const ops = opsRoutes({ health: deps.health, registry: deps.registry, openapi: () => document });
  const api = serveApi ? apiRoutes(routeDeps) : [];
  const routes = [...ops, ...api];
  document = buildOpenApi(routes, API_VERSION);

  const app = new Koa();
  if (deps.config.trustProxyHops > 0) {
    // Behind an ingress every caller would share its address: take the client's from
    // X-Forwarded-For, as written by the trusted proxies only (the rightmost entries).
    app.proxy = true;
    app.maxIpsCount = deps.config.trustProxyHops;
  }
  app.on('error', (err: unknown) => {
    // A client that broke its own request (reset, closed mid-body, bad framing): not the store's error.
    if (isClientFault(err)) deps.logger.info({ code: err.code }, 'client connection failed');
    else deps.logger.error({ err }, 'koa error');
  });
  app.use(observeMiddleware(deps.logger, metrics));
  app.use(problemMiddleware(deps.logger));
  const opsRouter = new Router();
  mount(opsRouter, ops);
  app.use(opsRouter.routes());
  app.use(opsRouter.allowedMethods());
  const routers = [opsRouter];
  const drain = createDrain();
  if (serveApi) {
    app.use(drain.middleware);
    const apiRouter = new Router();
    const guard = (connected: () => boolean) =>
      storeGuard({
        connected,
        readDeadlineMs: READ_DEADLINE_MS,
        writeDeadlineMs: deps.config.requestTimeoutMs + WRITE_DEADLINE_MARGIN_MS,
        graceMs: STORE_AWAY_GRACE_MS,
      });
    const redis = deps.redis;
    // The read-model routes follow their own store: with MONGO_URL they are served while Redis is away.
    mount(apiRouter, api, {
      guards: { store: guard(() => redis.status === 'ready'), views: guard(() => deps.views.connected()) },
      readBody,
    });
    app.use(authMiddleware(routeDeps.auth));
    app.use(
      rateLimitMiddleware({
        redis: deps.redis,
        keyPrefix: deps.keyPrefix,
        perMinute: deps.config.rateLimitPerMinute,
        logger: deps.logger,
      }),
    );
    app.use(apiRouter.routes());
    app.use(apiRouter.allowedMethods());
    routers.push(apiRouter);
  }
  return { app, routers, routes, drain };
}

/** The Koa app of the edge (or of the operations routes only, for processes without 'edge'). */
export function createApp(deps: AppDeps): Koa {
  return createEdge(deps).app;
}

/** The operations-only app, whatever `deps.roles` says. */
export function createOpsApp(deps: AppDeps): Koa {
  return createEdge({ ...deps, roles: deps.roles.filter((r) => r !== 'edge') }).app;
}
