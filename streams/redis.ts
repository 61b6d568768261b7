import { Cluster, Redis, type RedisOptions } from 'ioredis';

export type RedisClient = Redis | Cluster;

export interface RedisTarget {
  readonly url: string | null;
  readonly clusterNodes: readonly { host: string; port: number }[] | null;
}

/**
 * The command connection: auto-pipelined (concurrent commands from many shards go out in one
 * write), retrying while Redis is briefly away.
 */
export function connectRedis(target: RedisTarget, name = 'appliance-store'): RedisClient {
  const base: RedisOptions = { connectionName: name, maxRetriesPerRequest: 20, enableAutoPipelining: true };
  if (target.clusterNodes) {
    return new Cluster([...target.clusterNodes], {
      enableAutoPipelining: true,
      redisOptions: { connectionName: name, maxRetriesPerRequest: 20 },
      clusterRetryStrategy: (times) => Math.min(100 * times, 2000),
    });
  }
  if (!target.url) throw new Error('no Redis configured: set REDIS_URL or REDIS_CLUSTER_NODES');
  return new Redis(target.url, { ...base, retryStrategy: (times) => Math.min(50 * times, 2000) });
}

/**
 * A connection of its own for one blocking read: a blocked connection serves nobody else, and a
 * blocking command must never be auto-pipelined behind others.
 */
export function blockingConnection(client: RedisClient): RedisClient {
  const conn =
    client instanceof Cluster
      ? client.duplicate(undefined, { enableAutoPipelining: false })
      : client.duplicate({
          enableAutoPipelining: false,
          // A read in flight when the connection drops must fail, not be re-sent: Redis may have
          // delivered its entries already (the reader re-reads its pending entries instead), and
          // with resending off but retries on, ioredis would drop the command and its promise would
          // never settle (the blocking read that silently stops).
          maxRetriesPerRequest: 0,
          autoResendUnfulfilledCommands: false,
        });
  // The reader logs its failures (rate-limited); without a listener ioredis prints every failed
  // reconnect attempt of every shard's connection to stderr.
  conn.on('error', () => undefined);
  return conn;
}

/** Send a raw command (XREADGROUP, XPENDING, XINFO…) and get the untyped reply. */
export function raw(client: RedisClient, cmd: string, ...args: (string | number)[]): Promise<unknown> {
  return client.call(cmd, ...args);
}

export async function closeQuietly(client: RedisClient): Promise<void> {
  try {
    await client.quit();
  } catch {
    client.disconnect();
  }
}
