import { performance } from 'node:perf_hooks';
import { encode, envelope, type Envelope } from './codec.js';
import { Committer } from './committer.js';
import { FencedError } from './errors.js';
import type { Keys } from './keys.js';
import {
  DeclaredDestinations,
  deliversDirectly,
  OutboxRelayer,
  relayAll,
  REPLY_STREAM_CAP,
  type OutboxItem,
} from './relay.js';
import { ReplicaWaiter } from './replication.js';
import type { Router } from './router.js';
import { scripts } from './scripts.js';
import type { Handling, RunnerEnv, Unit } from './unit.js';
import { describe } from './stream-io.js';
import { retryAfter } from './retries.js';
import type { ActorBehavior, Handled, Message } from './types.js';

type Op =
  | {
      readonly kind: 'C';
      readonly entryId: string;
      readonly msgId: string;
      readonly field: string;
      readonly value: string;
      readonly out: readonly { dest: string; json: string }[];
      readonly timers: readonly { due: number; member: string }[];
    }
  | {
      readonly kind: 'D';
      readonly entryId: string;
      readonly msgId: string;
      readonly reason: string;
      readonly payload: string;
    };

type Status = 'C' | 'DUP' | 'D';

interface Versioned<S> {
  readonly v: number;
  readonly s: S;
}

export interface ActorSettings {
  readonly maxAttempts: number;
  readonly seenRetentionMs: number;
  readonly cacheSize: number;
}

/**
 * Handling for an actor shard: load the state (cached: this process is the shard's only owner),
 * run the behaviour with retries, and commit state + outgoing messages + ack in one Lua call per
 * batch; then relay the outbox.
 */
export class ActorHandling<S> implements Handling {
  /** When a handler last finished an attempt (the watchdog's sign of life). */
  lastActivity = 0;
  private readonly cache = new Map<string, Versioned<S>>();
  private readonly committer: Committer<Op, Status>;
  private readonly k: {
    mbx: string;
    state: string;
    outbox: string;
    seen: string;
    epoch: string;
    dlq: string;
    timers: string;
  };
  private readonly relayer: OutboxRelayer;
  /** Set for `durable` behaviours: commits wait for a replica before they are relayed. */
  private readonly replicas: ReplicaWaiter | null;
  /** Outgoing messages are appended by the commit itself, not relayed (`deliversDirectly`). */
  private readonly direct: boolean;
  private readonly handlerSeconds: { observe(seconds: number): void };
  /**
   * When this shard's earliest timer is due (ms; 0: not known yet, so the first tick looks).
   * Only this shard's owner adds timers (in its commits), so between ticks it knows when the next
   * one is due, and a tick calls Redis only then: timers are rare (refund retries), and the
   * due-timers call of every shard five times a second was 62 % of an idle store's round trips.
   */
  private nextDue = 0;
  /** The earliest timer committed while a tick's call was in flight (its answer may miss it). */
  private dueMeanwhile: number | null = null;

  constructor(
    private readonly env: RunnerEnv,
    private readonly unit: Unit,
    private readonly epoch: number,
    private readonly behavior: ActorBehavior<S, Message>,
    private readonly router: Router,
    private readonly settings: ActorSettings,
  ) {
    const keys: Keys = env.keys;
    const { group: type, shard } = unit;
    this.k = {
      mbx: unit.stream,
      state: keys.state(type, shard),
      outbox: keys.outbox(type, shard),
      seen: keys.seen(type, shard),
      epoch: keys.epoch(unit.root, type),
      dlq: keys.deadLetters(unit.root, type),
      timers: keys.timers(type, shard),
    };
    this.committer = new Committer((ops) => this.commit(ops), env.settings.batchSize);
    this.relayer = new OutboxRelayer(env.redis, this.k.outbox, (err) =>
      env.log.warn({ err, unit: `${type}/${shard}` }, 'outbox relay failed; will retry'),
    );
    this.replicas = behavior.durable ? new ReplicaWaiter(env.redis, env.log) : null;
    this.direct = deliversDirectly(env.redis, behavior.durable === true);
    this.handlerSeconds = env.metrics.handlerDuration.labels({ type });
  }

  async recover(): Promise<void> {
    // A previous owner may have died between its commit and its WAIT: wait before relaying.
    if (this.replicas) await this.replicas.afterCommit(this.k.state);
    await relayAll(this.env.redis, this.k.outbox);
  }

  async handle(entryId: string, env: Envelope, signal: AbortSignal, attempted?: () => void): Promise<void> {
    const { metrics } = this.env;
    const type = this.unit.group;
    const cur = this.cache.get(env.key) ?? (await this.load(env.key)); // no await on a cache hit
    let msg: Message;
    try {
      msg = this.behavior.decode({ type: env.type, data: env.data });
    } catch (err) {
      return this.deadLetter(entryId, env.id, describe(err), encode(env));
    }
    let result: Handled<S>;
    try {
      // The first attempt runs bare: p-retry's machinery (closures, options, timers) cost ~7% of
      // the worker's CPU per message in the profile, and almost every message succeeds at once.
      result = await this.attempt(cur.s, msg, env, 1);
      attempted?.();
    } catch (first) {
      attempted?.();
      const policy = { maxAttempts: this.settings.maxAttempts, firstBackoffMs: 50, maxBackoffMs: 5000 };
      const onRetry = () => metrics.retried.inc({ type });
      const r = await retryAfter(first, (n) => this.attempt(cur.s, msg, env, n), policy, signal, onRetry);
      if ('failed' in r) return this.deadLetter(entryId, env.id, describe(r.failed), encode(env));
      result = r.value;
    }
    const next: Versioned<S> = { v: cur.v + 1, s: result.state };
    const op = this.commitOp(entryId, env, next, result);
    let status: Status;
    try {
      status = await this.committer.submit(op);
    } finally {
      // Whatever the outcome: a commit whose reply was lost may still have written its timers.
      if (op.kind === 'C') for (const t of op.timers) this.timerAdded(t.due);
    }
    if (status === 'C') {
      this.remember(env.key, next); // counted in `handled` by the commit, once per batch
    } else {
      this.cache.delete(env.key); // a duplicate: what Redis holds is the truth
    }
  }

  /** One run of the behaviour, timed. */
  private async attempt(s: S, msg: Message, env: Envelope, attempt: number): Promise<Handled<S>> {
    // performance.now and a child bound to the labels once: prom-client's startTimer allocates
    // two closures, two hrtime arrays and a merged labels object per call, on every message.
    const t0 = performance.now();
    try {
      const ctx = { key: env.key, messageId: env.id, attempt, now: Date.now(), replyTo: env.replyTo };
      return await this.behavior.handle(s, msg, ctx);
    } finally {
      this.handlerSeconds.observe((performance.now() - t0) / 1000);
      this.lastActivity = Date.now();
    }
  }

  async deadLetter(entryId: string, msgId: string, reason: string, payload: string): Promise<void> {
    await this.committer.submit({ kind: 'D', entryId, msgId, reason, payload });
    this.env.metrics.deadLettered.inc({ type: this.unit.group });
    this.env.log.warn(
      { unit: `${this.unit.group}/${this.unit.shard}`, entryId, reason },
      'message dead-lettered',
    );
  }

  async tick(): Promise<void> {
    this.relayer.retry();
    const now = Date.now();
    if (now < this.nextDue || this.dueMeanwhile !== null) return; // none due yet, or a call in flight
    this.dueMeanwhile = Infinity;
    let next = now; // after a failure: look again at the next tick
    try {
      const reply = await scripts.dueTimers.run(
        this.env.redis,
        [this.k.timers, this.k.outbox, this.k.epoch],
        [String(this.epoch), now, 500],
      );
      if (reply === 'FENCED') throw new FencedError(`${this.unit.group}/${this.unit.shard}`);
      const items: OutboxItem[] = [];
      if (Array.isArray(reply)) {
        next = reply[0] === null || reply[0] === undefined ? Infinity : Number(reply[0]);
        for (let i = 1; i + 2 < reply.length; i += 3) {
          items.push({ id: String(reply[i]), dest: String(reply[i + 1]), json: String(reply[i + 2]) });
        }
      }
      this.relayer.send(items);
    } finally {
      this.nextDue = Math.min(next, this.dueMeanwhile);
      this.dueMeanwhile = null;
    }
  }

  /** A commit wrote a timer due at `due`: the next tick at or after it looks. */
  private timerAdded(due: number): void {
    this.nextDue = Math.min(this.nextDue, due);
    if (this.dueMeanwhile !== null) this.dueMeanwhile = Math.min(this.dueMeanwhile, due);
  }

  async flushed(): Promise<void> {
    await this.committer.idle();
    await this.relayer.idle();
    await relayAll(this.env.redis, this.k.outbox);
  }

  private async load(key: string): Promise<Versioned<S>> {
    const hit = this.cache.get(key);
    if (hit) return hit;
    const raw = await this.env.redis.hget(this.k.state, key);
    if (raw === null) return { v: 0, s: this.behavior.initialState() };
    return JSON.parse(raw) as Versioned<S>;
  }

  private remember(key: string, value: Versioned<S>): void {
    this.cache.delete(key); // re-insert: Map order is recency order
    this.cache.set(key, value);
    if (this.cache.size > this.settings.cacheSize) {
      const oldest = this.cache.keys().next();
      if (!oldest.done) this.cache.delete(oldest.value);
    }
  }

  private commitOp(entryId: string, env: Envelope, next: Versioned<S>, r: Handled<S>): Op {
    const now = Date.now();
    const out: { dest: string; json: string }[] = [];
    const timers: { due: number; member: string }[] = [];
    for (const s of r.send ?? []) {
      const dest = this.router.mailbox(s.to);
      const json = encode(envelope(s.to.key, s.msg, now));
      if (s.delayMs && s.delayMs > 0) timers.push({ due: now + s.delayMs, member: `${dest}\n${json}` });
      else out.push({ dest, json });
    }
    for (const e of r.publish ?? []) {
      out.push({ dest: this.router.events(env.key), json: encode(envelope(env.key, e, now)) });
    }
    if (env.replyTo && r.reply !== undefined) {
      out.push({ dest: env.replyTo.stream, json: JSON.stringify({ c: env.replyTo.corr, b: r.reply }) });
    }
    for (const rep of r.replies ?? []) {
      out.push({ dest: rep.to.stream, json: JSON.stringify({ c: rep.to.corr, b: rep.body }) });
    }
    return { kind: 'C', entryId, msgId: env.id, field: env.key, value: JSON.stringify(next), out, timers };
  }

  private async commit(ops: Op[]): Promise<Status[]> {
    const now = Date.now();
    const { mbx, state, outbox, seen, epoch, dlq, timers } = this.k;
    const dests = new DeclaredDestinations([mbx, state, outbox, seen, epoch, dlq, timers]);
    const args: (string | number)[] = [
      this.unit.group,
      String(this.epoch),
      now,
      now - this.settings.seenRetentionMs,
      ops.length,
      this.direct ? 'direct' : 'outbox',
      REPLY_STREAM_CAP,
    ];
    for (const op of ops) {
      if (op.kind === 'C') {
        args.push('C', op.entryId, op.msgId, op.field, op.value, op.out.length);
        // Direct mode: the destination's KEYS index; outbox mode: its name, for the relay.
        for (const o of op.out) args.push(this.direct ? dests.keyOf(o.dest) : o.dest, o.json);
        args.push(op.timers.length);
        for (const t of op.timers) args.push(t.due, t.member);
      } else {
        args.push('D', op.entryId, op.msgId, op.reason, op.payload);
      }
    }
    const end = this.env.metrics.commitDuration.startTimer({ type: this.unit.group });
    const reply = (await scripts.commit.run(this.env.redis, dests.keys, args)) as unknown[];
    end();
    if (reply[0] === 'FENCED') throw new FencedError(`${this.unit.group}/${this.unit.shard}`);
    const statuses = (reply[1] as unknown[]).map(String) as Status[];
    let committed = 0;
    for (const st of statuses) if (st === 'C') committed++;
    if (committed > 0) this.env.metrics.handled.inc({ type: this.unit.group }, committed);
    // A duplicate may be this very commit, re-sent by ioredis after a reconnect ate the first
    // reply: its outbox entries exist but their ids never came back, so the next relay sends all.
    if (statuses.includes('DUP')) this.relayer.markBehind();
    if (this.direct) return statuses; // delivered by the commit itself: nothing to relay
    const ids = (reply[2] as unknown[]).map(String);
    if (this.replicas && statuses.includes('C')) await this.replicas.afterCommit(state);
    // Outbox ids come back in op order for the committed (non-duplicate) ops.
    const items: OutboxItem[] = [];
    let j = 0;
    ops.forEach((op, i) => {
      if (op.kind === 'C' && statuses[i] === 'C') for (const o of op.out) items.push({ id: ids[j++]!, ...o });
    });
    // Relayed after the relays of earlier batches, while the next batch commits.
    this.relayer.send(items);
    await this.relayer.room();
    return statuses;
  }
}
