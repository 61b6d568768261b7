/**
 * Watches, during the whole run, how long entries stay pending (delivered to a worker, not yet
 * acknowledged) in every mailbox and event-stream group, straight from Redis: the end-of-run
 * quiescence check alone would miss an entry stuck for a minute that finally went through.
 */
import type { Redis } from 'ioredis';
import { ACTOR_TYPES } from '../../actors/mailboxes.js';
import { SUBSCRIBERS } from '../../app/compose.js';
import { Keys } from '../../streams/keys.js';

/** One stream and the consumer group reading it. */
interface Watched {
  readonly stream: string;
  readonly group: string;
}

export interface PendingFigures {
  /** The oldest pending entry seen, as its age in ms (time since it was added). */
  readonly maxAgeMs: number;
  /** Where and when it was seen. */
  readonly where: string;
  readonly samples: number;
}

/** ms since epoch encoded in a stream entry id (`<ms>-<seq>`). */
export function entryTime(id: string): number {
  return Number(id.split('-')[0]);
}

export class PendingWatch {
  private readonly watched: Watched[];
  private timer: NodeJS.Timeout | null = null;
  private busy = false;
  private figures: PendingFigures = { maxAgeMs: 0, where: '', samples: 0 };

  constructor(
    private readonly redis: Redis,
    prefix: string,
    shards: number,
    private readonly t0: number,
  ) {
    const keys = new Keys(prefix);
    const range = Array.from({ length: shards }, (_, i) => i);
    this.watched = [
      ...ACTOR_TYPES.flatMap((type) => range.map((s) => ({ stream: keys.mailbox(type, s), group: type }))),
      ...SUBSCRIBERS.flatMap((group) => range.map((s) => ({ stream: keys.events(s), group }))),
    ];
  }

  /** Sample every `everyMs` until `stop()`; a sample while Redis is down is skipped. */
  start(everyMs: number): void {
    this.timer = setInterval(() => {
      if (this.busy) return;
      this.busy = true;
      this.sample()
        .catch(() => undefined) // Redis killed on purpose: nothing to read this time
        .finally(() => (this.busy = false));
    }, everyMs);
  }

  stop(): PendingFigures {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    return this.figures;
  }

  private async sample(): Promise<void> {
    const pipe = this.redis.pipeline();
    for (const w of this.watched) pipe.xpending(w.stream, w.group);
    const results = (await pipe.exec()) ?? [];
    const now = Date.now();
    let { maxAgeMs, where } = this.figures;
    results.forEach(([err, summary], i) => {
      // [count, smallest id, greatest id, consumers]; NOGROUP before the workers made the group.
      if (err || !Array.isArray(summary) || typeof summary[1] !== 'string') return;
      const age = now - entryTime(summary[1]);
      if (age > maxAgeMs) {
        maxAgeMs = age;
        const w = this.watched[i]!;
        where = `${w.stream} (${w.group}) at +${((now - this.t0) / 1000).toFixed(1)} s`;
      }
    });
    this.figures = { maxAgeMs, where, samples: this.figures.samples + 1 };
  }
}
