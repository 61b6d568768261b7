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

/**
 * MurmurHash3's finalizer: every input bit flips each output bit with probability ≈ ½. FNV-1a alone
 * leaves its last input bytes poorly mixed into the high bits, so rendezvous scores that differ
 * only in the shard number ranked members almost alike for every shard (4 processes got 10/6/0/0).
 */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Rendezvous (highest random weight) hashing: the member that owns `shard` among `members`. */
export function rendezvousOwner(members: readonly string[], group: string, shard: number): string | null {
  let best: string | null = null;
  let bestScore = -1;
  for (const m of members) {
    const score = fmix32(fnv1a(`${m}|${group}|${shard}`));
    if (score > bestScore || (score === bestScore && best !== null && m < best)) {
      best = m;
      bestScore = score;
    }
  }
  return best;
}

/**
 * Who should run a shard, seen from `self`: `mine` by rendezvous over the live members; `heir`
 * when its live owner has stopped heartbeating (not in `fresh`) and it falls to `self` without
 * it (taken the moment that owner's lease expires, kept meanwhile); else `other`.
 */
export function assignment(
  live: readonly string[],
  fresh: ReadonlySet<string>,
  self: string,
  group: string,
  shard: number,
): 'mine' | 'heir' | 'other' {
  const owner = rendezvousOwner(live, group, shard);
  if (owner === self) return 'mine';
  if (owner === null || fresh.has(owner)) return 'other';
  return rendezvousOwner([...fresh], group, shard) === self ? 'heir' : 'other';
}
