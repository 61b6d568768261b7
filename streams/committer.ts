import { FencedError } from './errors.js';

/**
 * Group commit: ops submitted while a commit is in flight are gathered and committed together by
 * the next call, so a shard pays one Lua round trip per batch instead of one per message.
 * `flush` commits one batch and returns a status per op in the same order.
 */
export class Committer<Op, Status> {
  private queue: { op: Op; resolve: (s: Status) => void; reject: (e: unknown) => void }[] = [];
  private running: Promise<void> | null = null;
  private scheduled = false;
  private dead: Error | null = null;

  constructor(
    private readonly flush: (ops: Op[]) => Promise<Status[]>,
    private readonly maxBatch: number,
  ) {}

  submit(op: Op): Promise<Status> {
    if (this.dead) return Promise.reject(this.dead);
    return new Promise<Status>((resolve, reject) => {
      this.queue.push({ op, resolve, reject });
      this.schedule();
    });
  }

  /** Resolves when everything submitted so far is committed (or failed). */
  async idle(): Promise<void> {
    while (this.running || this.scheduled || this.queue.length > 0) {
      if (this.running) await this.running;
      else await new Promise((r) => setImmediate(r));
    }
  }

  private schedule(): void {
    if (this.scheduled || this.running) return;
    this.scheduled = true;
    // Let every handler that finished in this turn submit first: they share one commit.
    setImmediate(() => {
      this.scheduled = false;
      this.running = this.drain().finally(() => {
        this.running = null;
        if (this.queue.length > 0) this.schedule();
      });
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      try {
        const statuses = await this.flush(batch.map((b) => b.op));
        batch.forEach((b, i) => b.resolve(statuses[i] as Status));
      } catch (err) {
        batch.forEach((b) => b.reject(err));
        if (err instanceof FencedError) {
          // Nobody may commit on this shard any more: fail what waits and what comes.
          this.dead = err;
          this.queue.splice(0).forEach((b) => b.reject(err));
        }
      }
    }
  }
}
