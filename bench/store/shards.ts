/**
 * What `bench:recovery` watches in Redis: who holds each shard lease, and how far each shard's
 * consumer group has read (its `last-delivered-id`), so "processing again" is observed from
 * the outside, exactly as the streams record it.
 */
import type { Redis } from 'ioredis';

/** One consumer group on one shard stream, named by its lease key. */
export interface LeasedUnit {
  readonly lease: string;
  readonly stream: string;
  readonly group: string;
}

/** Every lease key under `prefix` and its holder (a process id). */
export async function leaseHolders(redis: Redis, prefix: string): Promise<Map<LeasedUnit, string>> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:*:lease:*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  const holders = keys.length > 0 ? await redis.mget(keys) : [];
  const out = new Map<LeasedUnit, string>();
  keys.forEach((lease, i) => {
    const m = /^(.*):lease:(.+)$/.exec(lease);
    const holder = holders[i];
    if (!m || !holder) return;
    const root = m[1]!;
    out.set(
      { lease, group: m[2]!, stream: root.includes('{ev:') ? `${root}:stream` : `${root}:mbx` },
      holder,
    );
  });
  return out;
}

/** The last entry id of each stream (`0-0` when empty). */
export async function lastIds(redis: Redis, units: readonly LeasedUnit[]): Promise<string[]> {
  const p = redis.pipeline();
  for (const u of units) p.xrevrange(u.stream, '+', '-', 'COUNT', 1);
  const res = (await p.exec()) ?? [];
  return res.map(([, v]) => (Array.isArray(v) && Array.isArray(v[0]) ? String(v[0][0]) : '0-0'));
}

export interface UnitProgress {
  /** The group's `last-delivered-id`. */
  readonly delivered: string;
  readonly holder: string | null;
  /** Oldest entry delivered and not yet acknowledged (null when none). */
  readonly oldestPending: string | null;
}

/** Each unit's group `last-delivered-id`, oldest pending entry and lease holder, in one round trip. */
export async function progress(redis: Redis, units: readonly LeasedUnit[]): Promise<UnitProgress[]> {
  const p = redis.pipeline();
  for (const u of units) {
    p.xinfo('GROUPS', u.stream);
    p.get(u.lease);
    p.xpending(u.stream, u.group);
  }
  const res = (await p.exec()) ?? [];
  return units.map((u, i) => {
    const groups = res[3 * i]?.[1];
    let delivered = '0-0';
    if (Array.isArray(groups)) {
      for (const g of groups) {
        if (!Array.isArray(g)) continue;
        const f = new Map<string, unknown>();
        for (let j = 0; j + 1 < g.length; j += 2) f.set(String(g[j]), g[j + 1]);
        if (f.get('name') === u.group) delivered = String(f.get('last-delivered-id'));
      }
    }
    const holder = res[3 * i + 1]?.[1];
    const summary = res[3 * i + 2]?.[1];
    const oldestPending = Array.isArray(summary) && Number(summary[0]) > 0 ? String(summary[1]) : null;
    return { delivered, holder: typeof holder === 'string' ? holder : null, oldestPending };
  });
}

/** Stream id order. */
export function idAfter(a: string, b: string): boolean {
  const [am, as] = a.split('-').map(Number);
  const [bm, bs] = b.split('-').map(Number);
  return am! !== bm! ? am! > bm! : as! > bs!;
}
