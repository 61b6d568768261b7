/**
 * Durable commits: after an actor's commit, wait until a replica holds it (`WAIT`) before the
 * outbox is relayed. Redis replication is asynchronous: a master acknowledges a write before any
 * replica has it, and a failover that promotes the replica loses what it had not received yet.
 * For money this matters: a charge or refund the payment actor committed but a failover dropped,
 * while the order (on another master) already acted on it, leaves the books and the store
 * disagreeing. Waiting before the relay means nothing downstream ever sees a payment outcome that
 * lives on the master alone.
 *
 * Why the replica probe: on a node with no replica at all (a single redis-server, the embedded
 * one, or a master whose replica was just promoted away), `WAIT 1 t` does not answer 0 at once:
 * it blocks the connection for the whole timeout. So the node's replicas are counted first
 * (`INFO replication`, cached) and a node with none is not waited on: there is nothing that a
 * failover could promote, so the write is as durable as that node's AOF makes it.
 */
import { Cluster } from 'ioredis';
import type { Logger } from 'pino';
import type { RedisClient } from './redis.js';

/** How durable commits wait. */
export interface ReplicationPolicy {
  /** Replicas that must acknowledge (capped by how many the node has). */
  readonly replicas: number;
  /** Longest wait; past it the commit stands and the outcome is `lagging`. */
  readonly timeoutMs: number;
  /** How long a node's replica count is trusted before it is asked again. */
  readonly probeTtlMs: number;
}

export const DEFAULT_REPLICATION: ReplicationPolicy = { replicas: 1, timeoutMs: 500, probeTtlMs: 1000 };

/** What a durable commit's wait found. */
export type ReplicationOutcome =
  /** `acked` replicas hold every write this connection made so far. */
  | { readonly kind: 'replicated'; readonly acked: number }
  /** The node has no replica: nothing to wait for (numreplicas = 0 is not an error). */
  | { readonly kind: 'unreplicated' }
  /** Fewer replicas than wanted acknowledged within the timeout; the commit still stands. */
  | { readonly kind: 'lagging'; readonly acked: number; readonly wanted: number }
  /** Redis did not answer the probe or the WAIT: unknown, the commit still stands. */
  | { readonly kind: 'failed'; readonly error: string };

/**
 * Send a command to the node that serves `key`'s slot, on the same connection as the commands
 * for that key. `WAIT` counts the writes of its own connection only, so it must travel on the
 * connection that carried the commit; a Cluster pipeline goes to the key's node connection.
 */
export async function onNodeOf(
  redis: RedisClient,
  key: string,
  cmd: string,
  ...args: (string | number)[]
): Promise<unknown> {
  if (!(redis instanceof Cluster)) return redis.call(cmd, ...args);
  const res = await redis
    .pipeline()
    .exists(key)
    .call(cmd, ...args)
    .exec();
  const second = res?.[1];
  if (!second) throw new Error(`${cmd} on the node of ${key}: no reply`);
  if (second[0]) throw second[0];
  return second[1];
}

/** `connected_slaves` of an `INFO replication` answer (0 when absent). */
export function connectedReplicas(info: string): number {
  const m = /^connected_slaves:(\d+)/m.exec(info);
  return m ? Number(m[1]) : 0;
}

/**
 * Waits, after a commit on one shard's node, until replicas hold it. One per shard owner: the
 * replica count is cached per instance, i.e. per node the shard's keys live on.
 */
export class ReplicaWaiter {
  private known: { count: number; at: number } | null = null;
  private lastWarn = 0;

  constructor(
    private readonly redis: RedisClient,
    private readonly log: Logger | null = null,
    private readonly policy: ReplicationPolicy = DEFAULT_REPLICATION,
  ) {}

  /**
   * Call right after the commit on `key`'s node resolved, before anything acts on it. Never
   * throws: the commit is done either way, and its outbox must still be relayed.
   */
  async afterCommit(key: string): Promise<ReplicationOutcome> {
    try {
      return await this.waitFor(key);
    } catch (err) {
      this.known = null;
      const error = err instanceof Error ? err.message : String(err);
      this.warn({ key, error }, 'durable commit: could not wait for a replica');
      return { kind: 'failed', error };
    }
  }

  private async waitFor(key: string): Promise<ReplicationOutcome> {
    const have = await this.replicasOf(key);
    const wanted = Math.min(this.policy.replicas, have);
    if (wanted <= 0) return { kind: 'unreplicated' };
    const acked = Number(await onNodeOf(this.redis, key, 'WAIT', wanted, this.policy.timeoutMs));
    if (acked >= wanted) return { kind: 'replicated', acked };
    // The replica lags or went away (e.g. it was just promoted): ask again next time.
    this.known = null;
    this.warn(
      { key, acked, wanted, timeoutMs: this.policy.timeoutMs },
      'durable commit not acknowledged by a replica in time',
    );
    return { kind: 'lagging', acked, wanted };
  }

  /** At most one warning per 10 s per shard: a lagging replica would otherwise flood the log. */
  private warn(fields: Record<string, unknown>, msg: string): void {
    if (Date.now() - this.lastWarn < 10_000) return;
    this.lastWarn = Date.now();
    this.log?.warn(fields, msg);
  }

  private async replicasOf(key: string): Promise<number> {
    const now = Date.now();
    if (this.known && now - this.known.at < this.policy.probeTtlMs) return this.known.count;
    const count = connectedReplicas(String(await onNodeOf(this.redis, key, 'INFO', 'replication')));
    this.known = { count, at: now };
    return count;
  }
}
