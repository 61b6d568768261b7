/** FNV-1a, 32 bit: stable across processes and versions, cheap, well spread for short keys. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The shard a key lives on. S is fixed for the life of a deployment. */
export function shardOf(key: string, shards: number): number {
  return fnv1a(key) % shards;
}

/** Rendezvous (highest random weight) hashing: the member that owns `shard` among `members`. */
export function rendezvousOwner(members: readonly string[], group: string, shard: number): string | null {
  let best: string | null = null;
  let bestScore = -1;
  for (const m of members) {
    const score = fnv1a(`${m}|${group}|${shard}`);
    if (score > bestScore || (score === bestScore && best !== null && m < best)) {
      best = m;
      bestScore = score;
    }
  }
  return best;
}
