import { Cluster } from 'ioredis';
import { FencedError } from './errors.js';
import { blockingConnection, raw, type RedisClient } from './redis.js';
import { scripts } from './scripts.js';
import { parseFlatRead, streamsWithEntries, type Take } from './stream-io.js';
import { takeArgs, unitName, type Unit } from './unit.js';

/** One shard loop's read of new entries, until it is answered. */
interface Ask {
  readonly unit: Unit;
  readonly epochKey: string;
  readonly epoch: number;
  readonly count: number;
  /** null: take (fenced read) at the next round; an id: wait for an entry after it first. */
  after: string | null;
  /** When it started waiting (Date.now()). */
  since: number;
  resolve(take: Take): void;
  reject(err: unknown): void;
}

/** A take round stops adding shards past this many (the rest go in the next round). */
const MAX_SECTIONS = 64;
/** `read-2` once per shard of a round, in one call (built once for every group). */
const readMany = scripts.read.many();

/**
 * The reads of new entries of every shard of one group that this process owns, made together.
 *
 * Each shard loop used to read on its own: wait for its stream with an XREAD BLOCK on its own
 * connection, then take the new entries with the fenced `read-2` script. Under a steady load
 * spread over 16 shards, every wake-up brought one or two entries, and each cost two round trips
 * on a connection of its own: a write and a read syscall each, the largest share of the store's
 * CPU per order (`bench:orders` with one shard per type was ≈ 1.6× the orders of sixteen).
 *
 * Here the shards that ask in one turn are served by one call of `read-2`'s `many` form (each
 * section still checks its own shard's epoch: fencing is unchanged), and the shards with nothing
 * new wait together in one XREAD BLOCK over all their streams. A shard that starts waiting while
 * that XREAD is blocked gets it re-issued (CLIENT UNBLOCK, then XREAD again with it included).
 *
 * Both connections never re-send (see `blockingConnection`): a reply lost to a reset is an error
 * for every shard in that call, and each re-reads its own pending entries, as before. Answers that
 * arrive after a shard stopped asking (dropped, kicked, stopping) are discarded; their entries stay
 * pending, and the shard's re-read (or the next owner's recovery) handles them.
 *
 * One Redis node only: on a cluster each shard reads on its own (ShardReader).
 */
export class GroupReader {
  /** By stream: at most one ask per shard at a time. */
  private readonly asks = new Map<string, Ask>();
  private takeConn: RedisClient | null = null;
  private waitConn: { conn: RedisClient; id: Promise<unknown> } | null = null;
  /** A take round is in flight: asks made meanwhile go in the next one (group commit, for reads). */
  private taking = false;
  private takeScheduled = false;
  /** The streams the XREAD in flight waits on (null: none in flight). */
  private waitingOn: Set<string> | null = null;
  private unblocked = false;
  private closed = false;

  constructor(
    private readonly redis: RedisClient,
    private readonly blockMs: number,
  ) {}

  /**
   * New entries of `unit`'s stream, taken fenced for `epoch` (FencedError when another owner holds
   * it): at once if there are any; else after the next one arrives; none after `blockMs` without any
   * (so the loop can check that it should go on). `after`: the loop knows it drained the stream up
   * to this id, so it waits before taking.
   */
  next(unit: Unit, epochKey: string, epoch: number, count: number, after: string | null): Promise<Take> {
    if (this.closed) return Promise.reject(new Error('group reader closed'));
    return new Promise<Take>((resolve, reject) => {
      this.asks.get(unit.stream)?.reject(new Error('superseded by a new read of the same shard'));
      const since = Date.now();
      this.asks.set(unit.stream, {
        unit,
        epochKey,
        epoch,
        count,
        after,
        since,
        resolve,
        reject,
      });
      if (after === null) this.scheduleTake();
      else this.wait();
    });
  }

  /** The shard stopped asking: its read in flight (if any) ends with `err`. */
  cancel(stream: string, err: Error): void {
    const a = this.asks.get(stream);
    if (!a) return;
    this.asks.delete(stream);
    a.reject(err);
  }

  close(): void {
    this.closed = true;
    for (const stream of [...this.asks.keys()]) this.cancel(stream, new Error('group reader closed'));
    this.takeConn?.disconnect();
    this.waitConn?.conn.disconnect();
    this.takeConn = null;
    this.waitConn = null;
  }

  private settle(a: Ask, how: (a: Ask) => void): void {
    if (this.asks.get(a.unit.stream) !== a) return; // cancelled or superseded meanwhile
    this.asks.delete(a.unit.stream);
    how(a);
  }

  private scheduleTake(): void {
    if (this.takeScheduled || this.taking) return;
    this.takeScheduled = true;
    // Let every shard loop that asks in this turn join the round.
    setImmediate(() => {
      this.takeScheduled = false;
      void this.take();
    });
  }

  private async take(): Promise<void> {
    const round: Ask[] = [];
    for (const a of this.asks.values()) {
      if (a.after === null) round.push(a);
      if (round.length === MAX_SECTIONS) break;
    }
    if (round.length === 0 || this.closed) return;
    this.taking = true;
    const sections = round.map((a) => ({
      keys: [a.unit.stream, a.epochKey],
      args: takeArgs(a.unit, a.epoch, a.count),
    }));
    try {
      this.takeConn ??= blockingConnection(this.redis);
      const replies = await readMany.run(this.takeConn, sections);
      round.forEach((a, i) => {
        const r = replies[i];
        if (r === 'FENCED') this.settle(a, (x) => x.reject(new FencedError(unitName(x.unit))));
        else if (r instanceof Error)
          this.settle(a, (x) => x.reject(r)); // its section's own error (NOGROUP)
        else if (Array.isArray(r)) this.settle(a, (x) => x.resolve(parseFlatRead(r)));
        else if (this.asks.get(a.unit.stream) === a) {
          a.after = String(r); // nothing new: wait after it
          a.since = Date.now();
        }
      });
    } catch (err) {
      this.takeConn?.disconnect();
      this.takeConn = null;
      for (const a of round) this.settle(a, (x) => x.reject(err));
    } finally {
      this.taking = false;
    }
    for (const a of this.asks.values()) {
      if (a.after === null) {
        this.scheduleTake();
        break;
      }
    }
    this.wait();
  }

  /** Wait on every stream whose shard waits; re-issue a wait in flight that misses one of them. */
  private wait(): void {
    if (this.closed) return;
    const waiting: Ask[] = [];
    for (const a of this.asks.values()) if (a.after !== null && !this.expired(a)) waiting.push(a);
    if (this.waitingOn) {
      if (!this.unblocked && waiting.some((a) => !this.waitingOn!.has(a.unit.stream))) {
        this.unblocked = true;
        const wc = this.waitConn;
        if (wc)
          void wc.id.then((id) => raw(this.redis, 'CLIENT', 'UNBLOCK', String(id))).catch(() => undefined);
      }
      return;
    }
    if (waiting.length === 0) return;
    void this.waitOnce(waiting);
  }

  /**
   * A shard that waited `blockMs` in all gets [] (so its loop checks whether it should go on, and
   * the watchdog sees it alive), even while the XREAD was re-issued for others in between.
   */
  private expired(a: Ask): boolean {
    if (Date.now() - a.since < this.blockMs) return false;
    this.settle(a, (x) => x.resolve({ entries: [], readTo: null }));
    return true;
  }

  private async waitOnce(waiting: readonly Ask[]): Promise<void> {
    const streams = waiting.map((a) => a.unit.stream);
    const now = Date.now();
    // Until the first of them has waited blockMs (at least 1 ms: BLOCK 0 would wait for ever).
    const block = Math.max(1, Math.min(...waiting.map((a) => this.blockMs - (now - a.since))));
    this.waitingOn = new Set(streams);
    this.unblocked = false;
    let reply: unknown;
    try {
      if (!this.waitConn) {
        const conn = blockingConnection(this.redis);
        this.waitConn = { conn, id: raw(conn, 'CLIENT', 'ID') };
      }
      const wc = this.waitConn;
      await wc.id; // CLIENT UNBLOCK needs it before the XREAD can be cut short
      // COUNT 1: the wait only learns which streams have news; the take reads the entries.
      reply = await raw(
        wc.conn,
        'XREAD',
        'COUNT',
        1,
        'BLOCK',
        block,
        'STREAMS',
        ...streams,
        ...waiting.map((a) => a.after!),
      );
    } catch (err) {
      this.waitConn?.conn.disconnect();
      this.waitConn = null;
      this.waitingOn = null;
      for (const a of waiting) if (a.after !== null) this.settle(a, (x) => x.reject(err));
      this.wait();
      return;
    }
    this.waitingOn = null;
    const woken = streamsWithEntries(reply);
    for (const stream of woken) {
      const a = this.asks.get(stream);
      if (a && a.after !== null) a.after = null; // something new: take it
    }
    if (woken.length > 0) this.scheduleTake();
    this.wait(); // answers [] to those that waited blockMs, and waits on for the others
  }
}

/** The group readers of one runtime: one per group, on one Redis node; none on a cluster. */
export class GroupReaders {
  private readonly readers = new Map<string, GroupReader>();

  constructor(
    private readonly redis: RedisClient,
    private readonly blockMs: number,
  ) {}

  /** null on a cluster: the shards' streams sit in other slots, so each shard reads on its own. */
  for(group: string): GroupReader | null {
    if (this.redis instanceof Cluster) return null;
    let r = this.readers.get(group);
    if (!r) {
      r = new GroupReader(this.redis, this.blockMs);
      this.readers.set(group, r);
    }
    return r;
  }

  close(): void {
    for (const r of this.readers.values()) r.close();
    this.readers.clear();
  }
}
