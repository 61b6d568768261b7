import { fieldOf } from './codec.js';
import type { Keys } from './keys.js';
import { raw, type RedisClient } from './redis.js';
import { compareIds } from './trimming.js';
import type { Unit } from './unit.js';

export interface UnitStats {
  readonly unit: Unit;
  readonly length: number;
  readonly lag: number;
  readonly pending: number;
  readonly oldestPendingAgeS: number;
  readonly owner: string | null;
  readonly outbox: number;
  readonly deadLetters: number;
}

/**
 * Entries of an event stream not yet delivered to a group. Redis 7.0 derives XINFO's `lag` from
 * counters that an AOF rewrite followed by a restart leaves wrong for good (reproduced on 7.0.15,
 * the Debian version this project tests with):
 * a chaos run saw every subscriber shard report ~4,000 "lagging" entries for a minute after
 * everything had been handled. A group whose last delivered id is the stream's newest has nothing
 * undelivered; otherwise a missing or zero `lag` is counted (up to 1,000) instead of trusted.
 */
async function undelivered(
  redis: RedisClient,
  stream: string,
  group: ReadonlyMap<string, unknown>,
  newest: string | null,
): Promise<number> {
  const last = group.get('last-delivered-id');
  const delivered = typeof last === 'string' ? last : '0-0';
  if (newest === null || compareIds(delivered, newest) >= 0) return 0;
  const lag = Number(group.get('lag') ?? 0);
  if (lag > 0) return lag;
  return (await redis.xrange(stream, `(${delivered}`, '+', 'COUNT', 1000)).length;
}

/** What one shard looks like right now (admin API and metrics). */
export async function unitStats(redis: RedisClient, keys: Keys, unit: Unit): Promise<UnitStats> {
  const isActor = unit.kind === 'actor';
  const [length, summary, owner, outbox, deadLetters, groups, newest] = await Promise.all([
    redis.xlen(unit.stream),
    raw(redis, 'XPENDING', unit.stream, unit.group).catch(() => [0, null]) as Promise<unknown[]>,
    redis.get(keys.lease(unit.root, unit.group)),
    isActor ? redis.xlen(keys.outbox(unit.group, unit.shard)) : Promise.resolve(0),
    redis.xlen(keys.deadLetters(unit.root, unit.group)),
    isActor
      ? Promise.resolve(null)
      : (raw(redis, 'XINFO', 'GROUPS', unit.stream).catch(() => []) as Promise<unknown[]>),
    isActor ? Promise.resolve([]) : redis.xrevrange(unit.stream, '+', '-', 'COUNT', 1),
  ]);
  const pending = Number(summary[0] ?? 0);
  const oldest = pending > 0 ? String(summary[1]) : null;
  const oldestPendingAgeS = oldest ? Math.max(0, (Date.now() - Number(oldest.split('-')[0])) / 1000) : 0;
  // Actor mailboxes delete acked entries, so every entry is unfinished work. Event streams keep
  // entries for other groups: there the group's own lag (undelivered) plus pending counts.
  let lag = length;
  if (groups) {
    lag = pending;
    for (const g of groups) {
      if (!Array.isArray(g)) continue;
      const info = new Map<string, unknown>();
      for (let i = 0; i + 1 < g.length; i += 2) info.set(String(g[i]), g[i + 1]);
      if (info.get('name') === unit.group) {
        lag = pending + (await undelivered(redis, unit.stream, info, newest[0]?.[0] ?? null));
      }
    }
  }
  return { unit, length, lag, pending, oldestPendingAgeS, owner, outbox, deadLetters };
}

export interface DeadLetter {
  readonly id: string;
  readonly unit: Unit;
  readonly entryId: string;
  readonly error: string;
  readonly payload: string;
  readonly at: number;
}

/** Dead-letter ids name their stream: `<kind>.<group>.<shard>.<dlq entry id>`. */
export function deadLetterId(unit: Unit, dlqEntryId: string): string {
  return `${unit.kind}.${unit.group}.${unit.shard}.${dlqEntryId}`;
}

export function parseDeadLetterId(
  id: string,
): { kind: string; group: string; shard: number; entry: string } | null {
  const m = /^(actor|subscriber)\.([A-Za-z0-9_-]+)\.(\d+)\.(\d+-\d+)$/.exec(id);
  if (!m) return null;
  return { kind: m[1]!, group: m[2]!, shard: Number(m[3]), entry: m[4]! };
}

export async function readDeadLetters(
  redis: RedisClient,
  keys: Keys,
  unit: Unit,
  limit: number,
): Promise<DeadLetter[]> {
  const rows = (await raw(
    redis,
    'XREVRANGE',
    keys.deadLetters(unit.root, unit.group),
    '+',
    '-',
    'COUNT',
    limit,
  )) as unknown[];
  return rows.flatMap((row) => {
    if (!Array.isArray(row)) return [];
    const fields = (row[1] as unknown[]).map(String);
    return [
      {
        id: deadLetterId(unit, String(row[0])),
        unit,
        entryId: fieldOf(fields, 'entry') ?? '',
        error: fieldOf(fields, 'error') ?? '',
        payload: fieldOf(fields, 'm') ?? '',
        at: Number(fieldOf(fields, 'at') ?? 0),
      },
    ];
  });
}
