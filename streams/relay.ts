import { Cluster } from 'ioredis';
import { fieldOf } from './codec.js';
import { raw, type RedisClient } from './redis.js';
import { scripts } from './scripts.js';

/** One outbox entry: where it goes and the encoded message. */
export interface OutboxItem {
  readonly id: string;
  readonly dest: string;
  readonly json: string;
}

/** Reply streams of edge processes are capped: a dead edge's replies must not pile up. */
export const REPLY_STREAM_CAP = 10_000;

const isReplyStream = (dest: string) => dest.includes(':reply:');

/**
 * The destinations a single-node script appends to, declared as its keys after the fixed ones:
 * `keyOf` gives a destination's 1-based KEYS index, negative for an edge's reply stream (the
 * script caps those at REPLY_STREAM_CAP). Shared by the commit (`commit-n.lua`, direct mode) and
 * the relay (`relay-n.lua`).
 */
export class DeclaredDestinations {
  private readonly index = new Map<string, number>();

  /** `keys`: the script's fixed keys; destinations are appended to it. */
  constructor(readonly keys: string[]) {}

  keyOf(dest: string): number {
    let k = this.index.get(dest);
    if (k === undefined) {
      k = isReplyStream(dest) ? -this.keys.push(dest) : this.keys.push(dest);
      this.index.set(dest, k);
    }
    return k;
  }
}

/**
 * Whether a commit may append its outgoing messages to their destinations itself instead of
 * through the outbox. On one Redis node it may: the script declares every destination as a key,
 * and the messages become visible atomically with the state and the ack, so there is nothing to
 * relay or resend (two Redis writes and a delete less per message). On a cluster the destinations
 * live in other slots, often on other nodes, out of one script's reach. A `durable` behaviour
 * keeps the outbox too: its messages (and a customer's answer) must not leave before a replica
 * holds the commit, and the relay runs only after the WAIT.
 */
export const deliversDirectly = (redis: RedisClient, durable: boolean): boolean =>
  !durable && !(redis instanceof Cluster);

/**
 * Forward outbox entries to their destination streams and delete them from the outbox: each
 * destination gets its entries in outbox order, and a destination whose append fails gets none of
 * its later entries in this call (they stay in the outbox, in order, for the next relay, which then
 * sends the whole outbox: `OutboxRelayer`); the other destinations go on, and only the entries
 * appended are deleted. Rejects with the first failure once the rest is done.
 *
 * On one Redis node the whole batch is one script call (`relay-n.lua`, every destination declared
 * as a key): one command instead of one XADD per message plus an XDEL, which was the largest share
 * of the worker's Redis commands, reply decoding and garbage. It appends an entry only if it is
 * still in the outbox, and deletes it in the same atomic step: exactly once, whoever relays it (an
 * owner that paused holding a batch appends nothing the next owner relayed).
 *
 * On a cluster the destinations sit in other slots (often on other nodes): no single script sees
 * the outbox and a destination, so the relay is at-least-once there (receivers drop message ids
 * they already committed). See `relayAcrossSlots` for how it narrows the duplicates.
 *
 * `fresh`: the items were just read from the outbox (`relayAll`), so the cluster relay need not
 * ask again whether they are still there.
 */
export async function relay(
  redis: RedisClient,
  outbox: string,
  items: readonly OutboxItem[],
  fresh = false,
): Promise<void> {
  if (items.length === 0) return;
  if (redis instanceof Cluster) return relayAcrossSlots(redis, outbox, items, fresh);
  const dests = new DeclaredDestinations([outbox]);
  const args: (string | number)[] = [REPLY_STREAM_CAP, items.length];
  for (const it of items) args.push(dests.keyOf(it.dest), it.id, it.json);
  await scripts.relay.run(redis, dests.keys, args);
}

/**
 * The relay on Redis Cluster, as safe as separate nodes allow:
 * 1. unless `fresh`, one call on the outbox's node asks which entries are still in the outbox
 *    (`present-1.lua`) and the others are skipped: an owner that paused holding a committed batch
 *    and wakes up after the shard's next owner relayed it sends nothing (what remains is a pause
 *    between that answer and the appends);
 * 2. each destination's entries are appended by one script call on its node (`append-1.lua`), in
 *    order, stopping at the first failure; the destinations run in parallel;
 * 3. one XDEL deletes exactly the entries appended. A destination that failed keeps its entries in
 *    the outbox and no other destination gets anything again (the whole outbox used to be
 *    re-appended to the healthy nodes on every retry). An append whose reply was lost (connection
 *    cut) counts as failed: its entries are sent again by the next relay, and dropped by the
 *    receiver's dedupe.
 */
async function relayAcrossSlots(
  redis: Cluster,
  outbox: string,
  items: readonly OutboxItem[],
  fresh: boolean,
): Promise<void> {
  let todo = items;
  if (!fresh) {
    const present = (await scripts.present.run(
      redis,
      [outbox],
      items.map((it) => it.id),
    )) as unknown[];
    todo = items.filter((_, i) => Number(present[i]) === 1);
    if (todo.length === 0) return;
  }
  const byDest = new Map<string, OutboxItem[]>();
  for (const it of todo) {
    const list = byDest.get(it.dest);
    if (list) list.push(it);
    else byDest.set(it.dest, [it]);
  }
  const appended: string[] = [];
  const failures: Error[] = [];
  await Promise.all(
    [...byDest].map(async ([dest, list]) => {
      try {
        const cap = isReplyStream(dest) ? REPLY_STREAM_CAP : '';
        const args = [cap, ...list.map((it) => it.json)];
        const [n, err] = (await scripts.append.run(redis, [dest], args)) as [number, string];
        for (let i = 0; i < n; i++) appended.push(list[i]!.id);
        if (err) failures.push(new Error(err));
      } catch (err) {
        failures.push(err instanceof Error ? err : new Error(String(err)));
      }
    }),
  );
  for (let from = 0; from < appended.length; from += 1000) {
    await raw(redis, 'XDEL', outbox, ...appended.slice(from, from + 1000));
  }
  const [first] = failures;
  if (first) throw first;
}

/** Relay everything an outbox holds (after a takeover, or after a failed relay). */
export async function relayAll(redis: RedisClient, outbox: string, pageSize = 500): Promise<number> {
  let total = 0;
  for (;;) {
    const reply = await raw(redis, 'XRANGE', outbox, '-', '+', 'COUNT', pageSize);
    const items: OutboxItem[] = [];
    if (Array.isArray(reply)) {
      for (const row of reply as unknown[]) {
        if (!Array.isArray(row) || !Array.isArray(row[1])) continue;
        const fields = (row[1] as unknown[]).map(String);
        const dest = fieldOf(fields, 'd');
        const json = fieldOf(fields, 'm');
        if (dest !== undefined && json !== undefined) items.push({ id: String(row[0]), dest, json });
      }
    }
    if (items.length === 0) return total;
    await relay(redis, outbox, items, true);
    total += items.length;
  }
}

/**
 * The relays of one shard's outbox, one after another in commit order, off the commit path: the
 * next batch commits while the previous one is relayed (the relay used to hold the next commit).
 * `room()` keeps the committer at most one relay ahead.
 */
export class OutboxRelayer {
  private tail: Promise<void> = Promise.resolve();
  /** The relay queued before the latest one: what `room()` waits for. */
  private previous: Promise<void> = Promise.resolve();
  private queued = 0;
  /** Entries wait in the outbox whose ids are unknown here (a failed relay, a duplicate commit). */
  private behind = false;

  constructor(
    private readonly redis: RedisClient,
    private readonly outbox: string,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Relay these committed entries after everything handed over before them. */
  send(items: readonly OutboxItem[]): void {
    if (items.length === 0 && !this.behind) return;
    this.queued++;
    this.previous = this.tail;
    this.tail = this.tail.then(async () => {
      try {
        if (this.behind) {
          // Older entries wait in the outbox: relay everything in outbox order, these included, so
          // a key's later message never overtakes an earlier one.
          this.behind = false;
          await relayAll(this.redis, this.outbox);
        } else {
          await relay(this.redis, this.outbox, items);
        }
      } catch (err) {
        // Committed already: the entries wait in the outbox; the next relay sends them all.
        this.behind = true;
        this.onError(err);
      } finally {
        this.queued--;
      }
    });
  }

  /** Some committed entries' ids are unknown: the next relay sends the whole outbox. */
  markBehind(): void {
    this.behind = true;
  }

  /** Periodic: relay what a failed relay left behind. */
  retry(): void {
    if (this.behind && this.queued === 0) this.send([]);
  }

  /**
   * Back-pressure for the committer: resolves once at most the latest relay is still running, so
   * one batch is relayed while the next one commits, and no more.
   */
  async room(): Promise<void> {
    while (this.queued > 1) await this.previous;
  }

  /** Everything handed over so far is relayed (or left in the outbox after a failure). */
  async idle(): Promise<void> {
    while (this.queued > 0) await this.tail;
  }
}
