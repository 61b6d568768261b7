import { setMaxListeners } from 'node:events';
import { decode, type Envelope } from './codec.js';
import { FencedError } from './errors.js';
import { RateLimitedLog } from './log.js';
import { ShardReader } from './shard-reader.js';
import { describe, type Entry } from './stream-io.js';
import { unitName, type Handling, type RunnerEnv, type Unit } from './unit.js';

/** The entries of one key in flight: each step starts when the one before it ended. */
interface KeyChain {
  tail: Promise<void> | undefined;
  queued: number;
}

/**
 * The processing loop of one owned shard: recovery of its pending entries first, then batched
 * blocking reads of new ones; entries of different keys run concurrently, those of one key
 * strictly in order (a chain of promises per key). A key in retry back-off holds only itself.
 */
/** How long a stopping shard lets its in-flight work finish before giving up its retries. */
const STOP_GRACE_MS = 5_000;

export class ShardRunner {
  private closing = false;
  private fencedFlag = false;
  private readonly chains = new Map<string, KeyChain>();
  private inflight = 0;
  /** The loop waits here while `inflight` is at its limit; the next finished entry wakes it. */
  private slotFreed: (() => void) | null = null;
  private readonly abort = new AbortController();
  /** Set when a stop gave up the work still in flight (not a failure to report). */
  private givenUp = false;
  private readonly errors: RateLimitedLog;
  private tickTimer: NodeJS.Timeout | null = null;
  /** Last time the loop itself moved: a read returned, a slot freed. */
  private loopProgress = Date.now();
  kicks = 0;
  /** When the watchdog last restarted this loop's read. */
  lastKickAt = 0;
  /** Entries dispatched and not yet finished (skipped when pending entries are re-read). */
  private readonly dispatched = new Set<string>();
  private readonly reader: ShardReader;
  done: Promise<void> = Promise.resolve();

  constructor(
    private readonly env: RunnerEnv,
    readonly unit: Unit,
    readonly epoch: number,
    private readonly handling: Handling,
  ) {
    this.errors = new RateLimitedLog(env.log, 10_000);
    // Each entry in retry back-off listens on the signal (up to a batch in flight): not a leak.
    setMaxListeners(env.settings.batchSize + 10, this.abort.signal);
    this.reader = new ShardReader(
      env,
      unit,
      epoch,
      this.errors,
      this.abort.signal,
      () => this.closing,
      env.readers.for(unit.group),
    );
  }

  /**
   * Last time the loop was known to make progress (the watchdog reads it): it moved, or one of its
   * handlers finished an attempt (a loop waiting on slow handlers that answer is not stuck).
   */
  get lastProgress(): number {
    return Math.max(this.loopProgress, this.handling.lastActivity);
  }

  get fenced(): boolean {
    return this.fencedFlag;
  }

  start(): void {
    this.done = this.run();
  }

  /**
   * Stop reading, finish in-flight work, flush commits and relays. Work still retrying after
   * STOP_GRACE_MS (a subscriber whose store is down retries for as long as it takes) is given up:
   * its entries stay pending, and the shard's next owner handles them, as after a crash.
   */
  async stop(): Promise<void> {
    this.closing = true;
    this.reader.drop();
    const giveUp = setTimeout(() => {
      this.givenUp = true;
      this.abort.abort(new Error('the shard is stopping: in-flight retries given up'));
    }, STOP_GRACE_MS);
    try {
      await this.done;
    } finally {
      clearTimeout(giveUp);
    }
  }

  /** The watchdog's remedy for a blocking read that silently stopped: a fresh connection. */
  kick(): void {
    this.kicks++;
    this.lastKickAt = Date.now();
    this.env.metrics.loopRestarts.inc({ type: this.unit.group });
    this.reader.drop();
  }

  /** Called by handlings when a commit is refused or uncertain. */
  fail(err: unknown): void {
    if (err instanceof FencedError) {
      if (!this.fencedFlag) this.env.metrics.fenced.inc({ type: this.unit.group });
      this.fencedFlag = true;
    } else {
      this.errors.error(
        'commit',
        { err, unit: unitName(this.unit) },
        'commit failed; restarting the shard loop',
      );
    }
    if (!this.closing) {
      this.closing = true;
      this.abort.abort(err);
      this.reader.drop();
    }
  }

  private async run(): Promise<void> {
    // One batch in flight, and the next read once any entry of it is done: more read-ahead (it was
    // four batches) only kept more messages alive across young-generation collections, and cost
    // ~20% of the worker's CPU per message in GC, and 6x the handler-to-commit latency.
    const maxInflight = this.env.settings.batchSize;
    try {
      await this.handling.recover();
      this.tickTimer = setInterval(() => {
        if (!this.closing) this.handling.tick().catch((err: unknown) => this.onTickError(err));
      }, 200);
      // Recovery before new work: this shard's own pending entries (the consumer is named
      // after the shard, so they are the previous owner's in-flight entries), then '>'. They are
      // re-read one at a time, the next once the first attempt of this one has ended: if one of
      // them crashes the process, only its own delivery count grows, and it alone reaches the
      // dead letters. Not once it is done: an entry whose handler keeps failing (a gateway that is
      // down) is retried on its key's chain while recovery goes on, instead of holding every other
      // key of the shard until it succeeds. An entry queued behind an earlier one of its key cannot
      // start yet, so recovery does not wait for it either.
      let from = '0';
      while (!this.closing && from !== '>') {
        const entries = await this.reader.read(from, 1);
        this.loopProgress = Date.now();
        if (entries === null) continue;
        const e = entries[0];
        if (!e) {
          from = '>';
          break;
        }
        from = e.id;
        const deliveries = await this.reader.deliveryCounts([e]);
        let attempted!: () => void;
        const firstAttempt = new Promise<void>((resolve) => (attempted = resolve));
        const key = this.dispatch(e, deliveries.get(e.id) ?? 1, attempted);
        const c = this.chains.get(key);
        if (c?.queued === 1) await Promise.race([c.tail, firstAttempt]);
      }
      while (!this.closing) {
        if (this.inflight >= maxInflight) {
          await new Promise<void>((resolve) => (this.slotFreed = resolve));
          this.loopProgress = Date.now();
          continue;
        }
        if (this.reader.resync) await this.rereadPending();
        const entries = await this.reader.read('>', this.env.settings.batchSize);
        this.loopProgress = Date.now();
        if (entries === null) continue;
        for (const e of entries) this.dispatch(e, 1);
      }
    } catch (err) {
      if (err instanceof FencedError) this.fail(err);
      else this.errors.error('loop', { err, unit: unitName(this.unit) }, 'shard loop failed');
    } finally {
      if (this.tickTimer) clearInterval(this.tickTimer);
      for (const c of [...this.chains.values()]) await c.tail; // tails never reject
      if (!this.fencedFlag) await this.handling.flushed().catch((err: unknown) => this.onTickError(err));
      this.reader.drop();
    }
  }

  /**
   * After a failed read: this consumer's pending entries that are not in flight here were
   * delivered by a read whose reply never arrived. Handle them (in id order, so before anything
   * newer of their keys) before reading new ones.
   */
  private async rereadPending(): Promise<void> {
    let after = '0';
    for (;;) {
      const pending = await this.reader.pending(after, this.env.settings.batchSize);
      if (pending === null) return; // failed again: resync stays set
      for (const p of pending) if (!this.dispatched.has(p.entry.id)) this.dispatch(p.entry, p.deliveries);
      const last = pending[pending.length - 1];
      if (!last) break;
      after = last.entry.id;
    }
    this.reader.resync = false;
  }

  /** Queue the entry on its key's chain; returns that key. */
  private dispatch(e: Entry, deliveries: number, attempted?: () => void): string {
    this.dispatched.add(e.id);
    return this.route(e, deliveries, attempted);
  }

  private route(e: Entry, deliveries: number, attempted?: () => void): string {
    if (e.payload === null) {
      // Deleted while pending (e.g. trimmed by an operator): nothing to handle, just ack.
      this.chain('', e.id, () => this.handling.deadLetter(e.id, '', 'entry deleted while pending', ''));
      return '';
    }
    let env: Envelope;
    try {
      env = decode(e.payload);
    } catch (err) {
      const payload = e.payload;
      this.chain('', e.id, () => this.handling.deadLetter(e.id, '', describe(err), payload));
      return '';
    }
    if (deliveries > this.env.settings.maxDeliveries) {
      const payload = e.payload;
      const reason = `delivered ${deliveries} times without a commit (the handler may crash the process)`;
      this.chain(env.key, e.id, () => this.handling.deadLetter(e.id, env.id, reason, payload));
      return env.key;
    }
    this.chain(env.key, e.id, () => this.handling.handle(e.id, env, this.abort.signal, attempted));
    return env.key;
  }

  /**
   * Run `work` after everything queued before it for `key`. One async step per entry (the
   * `.then().catch().finally()` chain it replaces made five promises per message, a visible
   * share of the worker's garbage).
   */
  private chain(key: string, entryId: string, work: () => Promise<void>): void {
    this.inflight++;
    let c = this.chains.get(key);
    if (!c) {
      c = { tail: undefined, queued: 0 };
      this.chains.set(key, c);
    }
    c.queued++;
    c.tail = this.step(key, c, entryId, c.tail, work);
  }

  private async step(
    key: string,
    c: KeyChain,
    entryId: string,
    prev: Promise<void> | undefined,
    work: () => Promise<void>,
  ): Promise<void> {
    try {
      if (prev) await prev; // never rejects: every step catches its own failure
      // Once the runner has failed (a refused or uncertain commit), queued work must not start:
      // the failed entry stays pending, and handling the same key's next entry now would overtake
      // it (a message skipped, per-key order broken). What is left pending is re-read next run.
      if (!this.abort.signal.aborted) await work();
    } catch (err) {
      if (!this.givenUp) this.fail(err);
    } finally {
      this.dispatched.delete(entryId);
      this.inflight--;
      if (--c.queued === 0) this.chains.delete(key);
      const wake = this.slotFreed;
      this.slotFreed = null;
      wake?.();
    }
  }

  private onTickError(err: unknown): void {
    if (err instanceof FencedError) this.fail(err);
    else this.errors.warn('tick', { err, unit: unitName(this.unit) }, 'periodic shard work failed');
  }
}
