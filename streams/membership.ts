import type { RedisClient } from './redis.js';
import type { Keys } from './keys.js';

/** One group's members as seen by one heartbeat: all live ones, and those heard from lately. */
export interface Members {
  /** Heartbeated within the lease TTL: the rendezvous assignment is computed over these. */
  readonly live: readonly string[];
  /** Heartbeated within `silentMs`: a shard held by a live member that is not fresh gets an heir. */
  readonly fresh: ReadonlySet<string>;
}

/**
 * Heartbeat into every group's members set (a sorted set scored by the last heartbeat), drop
 * members silent for a whole TTL, and read who is left. All groups in parallel: one round trip
 * per round, not three per group, so a round (and the takeover of a dead process's shards with
 * it) stays short under load.
 */
export function heartbeat(
  { redis, keys }: { readonly redis: RedisClient; readonly keys: Keys },
  groups: readonly string[],
  processId: string,
  now: number,
  ttlMs: number,
  silentMs: number,
): Promise<Members[]> {
  return Promise.all(
    groups.map(async (group) => {
      const members = keys.members(group);
      const [, , scored] = await Promise.all([
        redis.zadd(members, String(now), processId),
        redis.zremrangebyscore(members, '-inf', String(now - ttlMs)),
        redis.zrange(members, '0', '-1', 'WITHSCORES'),
      ]);
      const live: string[] = [];
      const fresh = new Set<string>();
      for (let i = 0; i + 1 < scored.length; i += 2) {
        live.push(scored[i]!);
        if (now - Number(scored[i + 1]) <= silentMs) fresh.add(scored[i]!);
      }
      return { live, fresh };
    }),
  );
}
