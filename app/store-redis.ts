/**
 * The store's connection to Redis (REDIS_URL, REDIS_CLUSTER_NODES or the embedded server): its
 * errors logged at most every 10 s while it retries, and reachable before the store starts.
 */
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import { closeQuietly, connectRedis, type RedisClient } from '../streams/index.js';
import { StartupError } from './startup-error.js';

/** Where the store looks for Redis, for messages: the variable and its hosts, never a password. */
function redisWhere(config: Config, url: string | null): string {
  if (config.redisClusterNodes) {
    return `REDIS_CLUSTER_NODES ${config.redisClusterNodes.map((n) => `${n.host}:${n.port}`).join(',')}`;
  }
  const u = new URL(url ?? 'redis://127.0.0.1:6379');
  return `REDIS_URL ${u.hostname}:${u.port || '6379'}`;
}

/**
 * Connect, and wait for the first answer. Redis unreachable at start is a StartupError saying
 * where it was looked for (one line, not a stack trace); once started, the store rides out Redis
 * outages: the client retries and the edge answers 503 meanwhile.
 */
export async function connectStoreRedis(
  config: Config,
  url: string | null,
  log: Logger,
): Promise<RedisClient> {
  const redis = connectRedis(
    { url, clusterNodes: config.redisClusterNodes },
    `appliance-store:${config.roles.join('+')}`,
  );
  let lastLogged = 0;
  let lastMessage = '';
  redis.on('error', (err: Error) => {
    if (Date.now() - lastLogged > 10_000) {
      log.warn({ err: err.message }, 'redis connection error (retrying)');
      lastLogged = Date.now();
    }
    lastMessage = err.message;
  });
  try {
    await redis.ping();
  } catch (err) {
    await closeQuietly(redis);
    const why = lastMessage || (err instanceof Error ? err.message : String(err));
    throw new StartupError(`cannot reach Redis at ${redisWhere(config, url)}: ${why}`);
  }
  return redis;
}
