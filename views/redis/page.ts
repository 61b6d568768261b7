import type { CursorPosition } from '../cursor.js';
import type { RedisClient } from './script.js';

/**
 * One page of members of a sorted set, newest first: score descending, then member descending
 * (Redis orders equal scores by member, byte-wise, and ZREVRANGEBYSCORE reverses that). After a
 * cursor (score, id) it returns what lies strictly after that pair, so the cursor's member need
 * not still be in the set (a board item that changed status moves to another index).
 */
export async function pageMembers(
  client: RedisClient,
  key: string,
  limit: number,
  after: CursorPosition | null,
): Promise<{ readonly members: readonly string[]; readonly more: boolean }> {
  const want = limit + 1;
  let found: string[];
  if (after === null) {
    found = await client.zrevrangebyscore(key, '+inf', '-inf', 'LIMIT', 0, want);
  } else {
    // Equal scores are rare (same millisecond), so reading all of them is cheap.
    const ties = (await client.zrevrangebyscore(key, after.score, after.score)).filter(
      (m) => Buffer.compare(Buffer.from(m), Buffer.from(after.id)) < 0,
    );
    found = ties.slice(0, want);
    if (found.length < want) {
      const older = await client.zrevrangebyscore(
        key,
        `(${after.score}`,
        '-inf',
        'LIMIT',
        0,
        want - found.length,
      );
      found = found.concat(older);
    }
  }
  return { members: found.slice(0, limit), more: found.length > limit };
}

/** HGETALL of many keys of one slot in one round trip; a missing key gives an empty record. */
export async function hgetallMany(
  client: RedisClient,
  keys: readonly string[],
): Promise<Record<string, string>[]> {
  if (keys.length === 0) return [];
  const pipeline = client.pipeline();
  for (const k of keys) pipeline.hgetall(k);
  const results = (await pipeline.exec()) ?? [];
  return results.map(([err, value]) => {
    if (err) throw err;
    return isStringRecord(value) ? value : {};
  });
}

function isStringRecord(v: unknown): v is Record<string, string> {
  return typeof v === 'object' && v !== null && Object.values(v).every((x) => typeof x === 'string');
}
