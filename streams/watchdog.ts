import type { Unit } from './unit.js';

/** What the watchdog reads and does on a shard loop (a ShardRunner). */
export interface Watched {
  readonly unit: Unit;
  readonly lastProgress: number;
  readonly lastKickAt: number;
  kicks: number;
  kick(): void;
}

/**
 * One watchdog pass over the running shard loops: a loop with no progress for `stallMs` gets its
 * blocking read restarted on a fresh connection (a read that silently stopped after a reconnect),
 * up to three times; after that it is stuck, and this returns true (/healthz then fails, and the
 * process is restarted). The stall is measured from the later of the last progress and the last
 * kick, so a kick buys the loop one stall period; kicks are forgiven only by progress made after
 * the last of them.
 */
export function watchStalls(
  loops: Iterable<Watched>,
  now: number,
  stallMs: number,
  onKick: (loop: Watched) => void,
): boolean {
  let stuck = false;
  for (const r of loops) {
    if (now - Math.max(r.lastProgress, r.lastKickAt) > stallMs) {
      if (r.kicks >= 3) stuck = true;
      else {
        onKick(r);
        r.kick();
      }
    } else if (r.lastProgress > r.lastKickAt) {
      r.kicks = 0;
    }
  }
  return stuck;
}
