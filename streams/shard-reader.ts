import { FencedError } from './errors.js';
import type { GroupReader } from './group-reader.js';
import type { RateLimitedLog } from './log.js';
import { blockingConnection, raw, type RedisClient } from './redis.js';
import { scripts } from './scripts.js';
import {
  abortableDelay,
  ensureGroup,
  parseEntries,
  parseFlatRead,
  parsePending,
  parseRead,
  type Entry,
  type Take,
} from './stream-io.js';
import { takeArgs, unitName, type RunnerEnv, type Unit } from './unit.js';

/**
 * The reading side of a shard loop: fenced reads of new entries (with the group's other shards
 * through a GroupReader on one Redis node, else on the shard's own connection), re-reads of
 * pending ones on the shard's own connection; both connections never re-send (see `read`).
 */
export class ShardReader {
  private conn: RedisClient | null = null;
  /** Rejects the read in flight: a promise ioredis lost never settles, even when its connection closes. */
  private unstick: ((err: Error) => void) | null = null;
  /** A read failed: Redis may have delivered entries whose reply was lost, re-read them first. */
  resync = false;
  /**
   * Where the next wait starts. Set when the fenced script found nothing new (the stream's newest
   * id), and when a read took fewer entries than it asked for (the last of them): the stream was
   * drained then, so the next read waits at once instead of running the script only to find
   * nothing (a script call saved per wake-up of a lightly loaded shard).
   */
  private waitAfter: string | null = null;
  private readonly epochKey: string;
  /**
   * The last take filled a whole batch: more is likely waiting, so the next take goes alone on
   * this shard's connection, pipelined with the other shards' reads, instead of waiting for the
   * group's next round (the group's rounds, one at a time, cost the runtime bench's full batches
   * their pipelining).
   */
  private behind = false;

  constructor(
    private readonly env: RunnerEnv,
    private readonly unit: Unit,
    private readonly epoch: number,
    private readonly errors: RateLimitedLog,
    private readonly signal: AbortSignal,
    private readonly closing: () => boolean,
    /** Reads of new entries go through it, with the group's other shards (one Redis node). */
    private readonly group: GroupReader | null = null,
  ) {
    this.epochKey = env.keys.epoch(unit.root, unit.group);
  }

  /**
   * Entries from `from` ('>' for new ones, fenced), or null after a failure (logged, `resync`
   * set, the connection dropped and a short pause taken). A FencedError propagates.
   */
  async read(from: string, count: number): Promise<Entry[] | null> {
    const { blockMs } = this.env.settings;
    let conn: RedisClient | null = null;
    try {
      const stuck = new Promise<never>((_, reject) => (this.unstick = reject));
      if (from === '>' && this.group && !this.behind) {
        // With the other shards of this group that this process owns (GroupReader).
        const after = this.waitAfter;
        this.waitAfter = null;
        const take = this.group.next(this.unit, this.epochKey, this.epoch, count, after);
        return this.took(await Promise.race([take, stuck]), count);
      }
      conn = this.conn ??= blockingConnection(this.env.redis);
      const consumer = `shard-${this.unit.shard}`;
      if (from === '>') {
        // New entries through a fenced script; when there are none, wait for the next one on the
        // blocking connection without taking it (XREAD), then take it fenced.
        if (this.waitAfter === null) {
          // On the reader's own connection, which never re-sends: on the auto-resending command
          // connection, a reply lost to a reset was re-sent silently, and the entries the first
          // run delivered stayed pending with no read failure to trigger the resync (found by chaos).
          const take = scripts.read.run(
            conn,
            [this.unit.stream, this.epochKey],
            takeArgs(this.unit, this.epoch, count),
          );
          const r = await Promise.race([take, stuck]);
          if (r === 'FENCED') throw new FencedError(unitName(this.unit));
          if (Array.isArray(r)) return this.took(parseFlatRead(r), count);
          this.waitAfter = String(r); // nothing new: wait after the stream's newest entry
          if (this.group) {
            this.behind = false; // caught up: wait with the group
            return [];
          }
        }
        const after = this.waitAfter;
        this.waitAfter = null;
        const wait = raw(conn, 'XREAD', 'COUNT', 1, 'BLOCK', blockMs, 'STREAMS', this.unit.stream, after);
        await Promise.race([wait, stuck]);
        return [];
      }
      const reply = await Promise.race([
        raw(
          conn,
          'XREADGROUP',
          'GROUP',
          this.unit.group,
          consumer,
          'COUNT',
          count,
          'STREAMS',
          this.unit.stream,
          from,
        ),
        stuck,
      ]);
      return parseRead(reply);
    } catch (err) {
      return this.failed(err, conn);
    }
  }

  /**
   * This consumer's pending entries after `after` ('0': from the first), at most `count`, each with
   * how often it was delivered, read without delivering them again (XPENDING, then XRANGE): an
   * XREADGROUP from '0' counted one more delivery for every pending entry, so a connection that kept
   * failing could push sound entries towards the dead letters (`maxDeliveries`). Null after a failure,
   * as for `read`.
   */
  async pending(after: string, count: number): Promise<{ entry: Entry; deliveries: number }[] | null> {
    const { stream, group, shard } = this.unit;
    let conn: RedisClient | null = null;
    try {
      // On the reader's own connection, which fails at once while Redis is away (the command
      // connection would hold these in its offline queue, and the loop with them).
      const c = (this.conn ??= blockingConnection(this.env.redis));
      conn = c;
      const stuck = new Promise<never>((_, reject) => (this.unstick = reject)); // as for `read`
      const start = after === '0' ? '-' : `(${after}`;
      const list = raw(c, 'XPENDING', stream, group, start, '+', count, `shard-${shard}`);
      const rows = parsePending(await Promise.race([list, stuck]));
      const found = await Promise.race([
        Promise.all(rows.map((r) => raw(c, 'XRANGE', stream, r.id, r.id))),
        stuck,
      ]);
      return rows.map((r, i) => ({
        // Deleted while pending: no payload, as XREADGROUP reports it.
        entry: parseEntries(found[i] as unknown[])[0] ?? { id: r.id, payload: null },
        deliveries: r.deliveries,
      }));
    } catch (err) {
      return this.failed(err, conn);
    }
  }

  /** After a failed read: logged (rate-limited), `resync` set, the connection dropped, a short pause. */
  private async failed(err: unknown, conn: RedisClient | null): Promise<null> {
    if (err instanceof FencedError) throw err;
    if (this.closing()) return null;
    this.resync = true;
    if (err instanceof Error && err.message.includes('NOGROUP')) {
      // Redis lost its data (or the stream was deleted): recreate the group and go on.
      await ensureGroup(this.env.redis, this.unit.stream, this.unit.group);
      this.errors.warn('nogroup', { unit: unitName(this.unit) }, 'consumer group was missing: recreated');
      return null;
    }
    this.errors.warn('read', { err, unit: unitName(this.unit) }, 'read failed; retrying');
    if (conn === null || this.conn === conn) this.drop();
    await abortableDelay(Math.min(1000, this.env.settings.blockMs), this.signal);
    return null;
  }

  /**
   * Fewer entries than asked for: the stream was drained, so the next read waits at once, after the
   * last entry read (an ignored one may come after the last entry handed over).
   */
  private took({ entries, readTo }: Take, count: number): Entry[] {
    if (readTo !== null && entries.length < count) this.waitAfter = readTo;
    this.behind = entries.length >= count;
    return entries;
  }

  /** How often each of these pending entries was delivered (XPENDING, one call). */
  async deliveryCounts(entries: readonly Entry[]): Promise<Map<string, number>> {
    const first = entries[0]!.id;
    const last = entries[entries.length - 1]!.id;
    const reply = await raw(
      this.env.redis,
      'XPENDING',
      this.unit.stream,
      this.unit.group,
      first,
      last,
      entries.length,
      `shard-${this.unit.shard}`,
    );
    return new Map(parsePending(reply).map((r) => [r.id, r.deliveries]));
  }

  /** Close the connection; the read in flight (if any) ends with an error. */
  drop(): void {
    const c = this.conn;
    this.conn = null;
    c?.disconnect();
    this.group?.cancel(this.unit.stream, new Error('read abandoned'));
    // A closed Cluster connection may never settle its blocking command: the read must end anyway.
    this.unstick?.(new Error('blocking read abandoned with its connection'));
  }
}
