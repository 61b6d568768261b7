import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { collectDefaultMetrics, Registry } from 'prom-client';
import {
  ACTOR_TYPES,
  createDeliveryBehavior,
  createPaymentBehavior,
  orderBehavior,
  storeBehavior,
} from '../actors/index.js';
import type { Config } from '../config/index.js';
import { createEdge, createEdgeServer, type Edge } from '../http/index.js';
import {
  createHttpPaymentProvider,
  createNotificationGateway,
  createPaymentSimulator,
} from '../outbound/index.js';
import { ActorRuntime, closeQuietly, within, type RedisClient } from '../streams/index.js';
import { createReadModels } from '../views/index.js';
import type { ReadModels } from '../views/port.js';
import { observeForeignMailboxes, runtimeAdmin } from './admin.js';
import { startEmbeddedRedis, type EmbeddedRedis } from './embedded-redis.js';
import { StartupError } from './startup-error.js';
import { runtimeGateway } from './gateway.js';
import { redisRoster } from './roster.js';
import { connectStoreRedis } from './store-redis.js';
import { notifier, projector } from './subscribers.js';

export const SUBSCRIBERS = ['projector', 'notifier'] as const;

export interface RunningStore {
  readonly port: number;
  readonly runtime: ActorRuntime;
  /** The Koa edge this process serves (its routers and routes, for tests and tools). */
  readonly edge: Edge;
  /** SIGTERM path: readiness 503, stop taking requests, drain actors, release shards, close. */
  stop(): Promise<void>;
}

/** A process with no read-model role never serves the routes that use them. */
const noViews: ReadModels = new Proxy({} as ReadModels, {
  get: (_t, prop) =>
    prop === 'ping' || prop === 'close'
      ? () => Promise.resolve()
      : () => Promise.reject(new Error(`read models are not available in this process (${String(prop)})`)),
});

/** The API's requests in flight get this long past the request timeout to finish at a stop. */
const API_DRAIN_MARGIN_MS = 4000;
/** What a stop keeps for the actors after the API drain (5 s of retries, then the release). */
const ACTOR_STOP_BUDGET_MS = 7000;

/** How long `/readyz` waits for Redis (and Mongo) before it answers 503 (probes time out at 1 s). */
const READY_CHECK_MS = 800;

/** `check()`, or false when it has not answered within `ms`. */
function withinMs(ms: number, check: () => Promise<boolean>): Promise<boolean> {
  return within(
    check().catch(() => false),
    ms,
    () => false,
  );
}

/**
 * The read models; MongoDB unreachable at start is a StartupError saying where it was looked for
 * (one line, no password), as for Redis.
 */
async function connectReadModels(config: Config, redis: RedisClient): Promise<ReadModels> {
  try {
    return await createReadModels({ redis, prefix: config.keyPrefix, mongoUrl: config.mongoUrl });
  } catch (err) {
    if (!config.mongoUrl) throw err;
    const u = new URL(config.mongoUrl);
    const why = (err instanceof Error ? err.message : String(err)).split('\n')[0];
    throw new StartupError(`cannot reach MongoDB at MONGO_URL ${u.hostname}:${u.port || '27017'}: ${why}`);
  }
}

/**
 * Compose one process of the store from its roles (`--roles all` runs everything). With REDIS_URL
 * unset it first starts the embedded redis-server, and stops it again if the store then fails to
 * start: a child process would outlive this one, holding its data directory.
 */
export async function startStore(config: Config, log: Logger): Promise<RunningStore> {
  let embedded: EmbeddedRedis | null = null;
  let url = config.redisUrl;
  if (!url && !config.redisClusterNodes) {
    embedded = await startEmbeddedRedis(config.dataDir, config.appendfsync);
    url = embedded.url;
    log.info(
      { redis: url, dataDir: config.dataDir },
      'started the embedded redis-server (REDIS_URL is unset)',
    );
  }
  try {
    return await startOn(config, log, url, embedded);
  } catch (err) {
    await embedded?.stop().catch(() => undefined);
    throw err;
  }
}

async function startOn(
  config: Config,
  log: Logger,
  url: string | null,
  embedded: EmbeddedRedis | null,
): Promise<RunningStore> {
  const roles = new Set(config.roles);
  const redis = await connectStoreRedis(config, url, log);

  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const runtime = new ActorRuntime({
    redis,
    keyPrefix: config.keyPrefix,
    shards: config.shards,
    eventShards: config.eventShards,
    leaseTtlMs: config.leaseTtlMs,
    batchSize: config.batchSize,
    blockMs: config.blockMs,
    maxDeliveries: config.maxDeliveries,
    seenRetentionMs: config.seenRetentionMs,
    log,
    registry,
    actorTypes: ACTOR_TYPES,
    subscriberNames: SUBSCRIBERS,
  });

  const needsViews = roles.has('edge') || roles.has('projector') || roles.has('notifier');
  const views = needsViews ? await connectReadModels(config, redis) : noViews;

  if (roles.has('order')) runtime.actor(orderBehavior);
  if (roles.has('payment')) {
    let provider;
    if (config.pspUrl) {
      provider = createHttpPaymentProvider({
        baseUrl: config.pspUrl,
        timeoutMs: config.pspTimeoutMs,
        registry,
        logger: log,
      });
    } else {
      // Its books are in the store's Redis: a refund may run after a restart or in another process.
      const simulator = createPaymentSimulator({
        redis,
        keyPrefix: config.keyPrefix,
        timeoutMs: config.pspTimeoutMs,
        registry,
        logger: log,
      });
      simulator.setMode(config.pspSimulator);
      provider = simulator;
    }
    runtime.actor(createPaymentBehavior(provider, { settleAfterMs: config.paymentSettleMs }));
  }
  if (roles.has('store')) runtime.actor(storeBehavior);
  if (roles.has('delivery'))
    runtime.actor(createDeliveryBehavior(redisRoster(redis, runtime.keys, config.couriers)));
  // Read-model writes are retried for as long as the store is away (a Mongo outage is not a poison
  // message); an event that does not decode still goes to the dead letters at once.
  if (roles.has('projector'))
    runtime.subscriber(projector(views), { maxAttempts: Infinity, maxBackoffMs: 10_000 });
  if (roles.has('notifier')) {
    const gateway = createNotificationGateway({ url: config.notifyUrl, registry, logger: log });
    // Messages are retried for as long as the gateway is down (at least once, never dropped).
    runtime.subscriber(notifier(views, gateway, log), { maxAttempts: Infinity, maxBackoffMs: 30_000 });
  }
  await runtime.start({ requests: roles.has('edge') });
  // The edge (always running) also reports the lag of groups with no pod of their own right now.
  if (roles.has('edge')) observeForeignMailboxes(runtime, registry, roles);

  let closing = false;
  const health = {
    live: () => runtime.live(),
    // A probe must answer within its own timeout: while Redis is away its commands wait in the
    // client's offline queue for many seconds, so an unanswered check counts as not ready.
    ready: () =>
      withinMs(READY_CHECK_MS, async () => {
        if (closing || !(await runtime.ready())) return false;
        return views.ping().then(
          () => true,
          () => false,
        );
      }),
  };
  const edge = createEdge({
    config,
    gateway: runtimeGateway(runtime, config.requestTimeoutMs),
    views,
    redis,
    keyPrefix: config.keyPrefix,
    admin: runtimeAdmin(runtime),
    health,
    registry,
    logger: log,
    roles: config.roles,
  });
  const handle = edge.app.callback();
  const server: Server = createEdgeServer((req, res) => void handle(req, res), log);
  server.keepAliveTimeout = 5000;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, () => resolve());
    });
  } catch (err) {
    await runtime.stop();
    await views.close();
    await closeQuietly(redis);
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new StartupError(
        `PORT ${config.port} is in use by another process: set PORT (or --port) to a free port`,
      );
    }
    throw err;
  }
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  // `roles` is on every line already (the logger's base).
  log.info({ port, processId: runtime.processId }, 'appliance store started');
  if (config.authMode === 'dev' && config.roles.includes('edge')) {
    log.warn('AUTH_MODE=dev: anyone may get a token of any role at POST /auth/token; for local use only');
  }

  return {
    port,
    runtime,
    edge,
    async stop() {
      // Readiness 503 at once; the port stays open while the process drains, so probes and
      // scrapes still get answers. The API's requests in flight finish first (their deadline is
      // the request timeout plus the guard's margin), then the actors drain, and only then does
      // the port close.
      closing = true;
      edge.drain.begin();
      const drainMs = Math.min(
        config.requestTimeoutMs + API_DRAIN_MARGIN_MS,
        Math.max(0, config.stopTimeoutMs - ACTOR_STOP_BUDGET_MS),
      );
      await within(edge.drain.idle(), drainMs, () => undefined);
      await runtime.stop();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      await views.close();
      await closeQuietly(redis);
      await embedded?.stop();
      log.info('appliance store stopped');
    },
  };
}
