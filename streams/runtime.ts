import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { ActorHandling } from './actor-handling.js';
import { encode, envelope } from './codec.js';
import { GroupReaders } from './group-reader.js';
import { Keys } from './keys.js';
import { runtimeMetrics, type RuntimeMetrics } from './metrics.js';
import { Coordinator, type GroupSpec } from './ownership.js';
import { trimEventStream } from './trimming.js';
import { raw, type RedisClient } from './redis.js';
import { Requester } from './requests.js';
import { Router } from './router.js';
import { scripts } from './scripts.js';
import type { RunnerEnv, Unit } from './unit.js';
import { ensureGroup } from './stream-io.js';
import { SubscriberHandling } from './subscriber-handling.js';
import type { ActorBehavior, Address, Message, Subscriber } from './types.js';
import { within } from './deadline.js';
import { parseDeadLetterId, readDeadLetters, unitStats, type DeadLetter, type UnitStats } from './inspect.js';

/** A scrape's refresh of the per-shard gauges waits this long for Redis (scrapes time out at 10 s). */
export const SCRAPE_DEADLINE_MS = 2000;

export interface RuntimeOptions {
  readonly redis: RedisClient;
  readonly keyPrefix: string;
  readonly shards: number;
  readonly eventShards: number;
  readonly leaseTtlMs: number;
  readonly batchSize: number;
  readonly blockMs: number;
  readonly maxDeliveries: number;
  readonly seenRetentionMs: number;
  readonly log: Logger;
  readonly registry: Registry;
  readonly processId?: string;
  /** Every actor type of the system (mailbox groups are created for all of them). */
  readonly actorTypes: readonly string[];
  /** Every subscriber of the system (each is a consumer group on every event stream partition). */
  readonly subscriberNames: readonly string[];
  readonly maxMovesPerRound?: number;
  readonly actorCacheSize?: number;
}

export interface SubscriberOptions {
  readonly maxAttempts?: number;
  readonly maxBackoffMs?: number;
}

/**
 * The actor runtime of one process: the actors and subscribers it runs, shard ownership,
 * request/reply, and the operations surface (stats, states, dead letters).
 */
export class ActorRuntime {
  readonly keys: Keys;
  readonly router: Router;
  readonly processId: string;
  readonly metrics: RuntimeMetrics;
  private readonly env: RunnerEnv;
  private readonly groups: GroupSpec[] = [];
  private coordinator: Coordinator | null = null;
  private requester: Requester | null = null;
  private trimTimer: NodeJS.Timeout | null = null;
  private closing = false;

  constructor(private readonly opts: RuntimeOptions) {
    this.keys = new Keys(opts.keyPrefix);
    this.router = new Router(this.keys, opts.shards, opts.eventShards);
    this.processId = opts.processId ?? `p-${randomBytes(6).toString('hex')}`;
    this.metrics = runtimeMetrics(opts.registry);
    this.env = {
      redis: opts.redis,
      keys: this.keys,
      settings: { batchSize: opts.batchSize, blockMs: opts.blockMs, maxDeliveries: opts.maxDeliveries },
      metrics: this.metrics,
      log: opts.log,
      readers: new GroupReaders(opts.redis, opts.blockMs),
    };
    this.observe();
  }

  /** Run this actor type in this process. */
  actor<S>(behavior: ActorBehavior<S, Message>, maxAttempts = 5): this {
    const settings = {
      maxAttempts,
      seenRetentionMs: this.opts.seenRetentionMs,
      cacheSize: this.opts.actorCacheSize ?? 20_000,
    };
    this.groups.push({
      group: behavior.name,
      units: this.actorUnits(behavior.name),
      makeHandling: (unit, epoch) =>
        new ActorHandling(this.env, unit, epoch, behavior, this.router, settings),
    });
    return this;
  }

  /** Run this subscriber in this process. */
  subscriber(sub: Subscriber<Message>, o: SubscriberOptions = {}): this {
    const settings = { maxAttempts: o.maxAttempts ?? 5, maxBackoffMs: o.maxBackoffMs ?? 5000 };
    this.groups.push({
      group: sub.name,
      units: this.subscriberUnits(sub.name, sub.ignores),
      makeHandling: (unit, epoch) => new SubscriberHandling(this.env, unit, epoch, sub, settings),
    });
    return this;
  }

  actorUnits(type: string): Unit[] {
    return Array.from({ length: this.opts.shards }, (_, shard) => ({
      kind: 'actor' as const,
      group: type,
      shard,
      stream: this.keys.mailbox(type, shard),
      root: this.keys.shard(type, shard),
    }));
  }

  subscriberUnits(name: string, ignores?: readonly string[]): Unit[] {
    return Array.from({ length: this.opts.eventShards }, (_, shard) => ({
      kind: 'subscriber' as const,
      group: name,
      shard,
      stream: this.keys.events(shard),
      root: this.keys.eventShard(shard),
      ...(ignores?.length ? { ignores } : {}),
    }));
  }

  allUnits(): Unit[] {
    return [
      ...this.opts.actorTypes.flatMap((t) => this.actorUnits(t)),
      ...this.opts.subscriberNames.flatMap((n) => this.subscriberUnits(n)),
    ];
  }

  /** Create every stream and group (idempotent), then take shards and open the reply stream. */
  async start({ requests = true }: { requests?: boolean } = {}): Promise<void> {
    await Promise.all(this.allUnits().map((u) => ensureGroup(this.opts.redis, u.stream, u.group)));
    if (this.groups.length > 0) {
      this.coordinator = new Coordinator(this.env, this.processId, this.groups, {
        leaseTtlMs: this.opts.leaseTtlMs,
        maxMovesPerRound: this.opts.maxMovesPerRound ?? Math.max(1, Math.ceil(this.opts.shards / 4)),
        stallMs: this.opts.blockMs + Math.max(5000, this.opts.leaseTtlMs),
      });
      this.coordinator.start();
      this.trimTimer = setInterval(() => void this.trimEvents(), 10_000);
    }
    if (requests) {
      this.requester = new Requester(
        this.opts.redis,
        this.router,
        this.keys.replies(this.processId),
        this.opts.log,
      );
      await this.requester.start();
    }
  }

  /** Stop reading, finish in-flight work, flush outboxes, release leases. */
  async stop(): Promise<void> {
    this.closing = true;
    if (this.trimTimer) clearInterval(this.trimTimer);
    await this.coordinator?.stop();
    await this.requester?.stop();
    this.env.readers.close();
  }

  /** Send a command to an actor (at-least-once: the mailbox entry is the only copy). */
  async tell(to: Address, msg: Message): Promise<void> {
    await raw(
      this.opts.redis,
      'XADD',
      this.router.mailbox(to),
      '*',
      'm',
      encode(envelope(to.key, msg, Date.now())),
    );
  }

  /** Send a request and wait for the actor's reply; rejects with RequestTimeoutError. */
  request(to: Address, msg: Message, timeoutMs: number): Promise<unknown> {
    if (!this.requester) throw new Error('this runtime was started without requests');
    return this.requester.request(to, msg, timeoutMs);
  }

  /** An actor's committed state and version (read-your-writes for the edge). */
  async state(type: string, key: string): Promise<{ state: unknown; version: number } | null> {
    const unit = this.router.mailbox({ type, key }).replace(/:mbx$/, '');
    const v = await this.opts.redis.hget(`${unit}:state`, key);
    if (v === null) return null;
    const parsed = JSON.parse(v) as { v: number; s: unknown };
    return { state: parsed.s, version: parsed.v };
  }

  /** Whether the command connection is up now (no round trip). */
  redisReady(): boolean {
    return this.opts.redis.status === 'ready';
  }

  live(): boolean {
    return !this.coordinator?.stalled;
  }

  /** Redis answers and this process holds the shards the assignment gives it. */
  async ready(): Promise<boolean> {
    if (this.closing) return false;
    try {
      await this.opts.redis.ping();
    } catch {
      return false;
    }
    return this.coordinator ? this.coordinator.ready() : true;
  }

  ownedUnits(): Unit[] {
    return this.coordinator?.ownedUnits() ?? [];
  }

  stats(units: readonly Unit[] = this.allUnits()): Promise<UnitStats[]> {
    return Promise.all(units.map((u) => unitStats(this.opts.redis, this.keys, u)));
  }

  async deadLetters(limit: number): Promise<DeadLetter[]> {
    const all = (
      await Promise.all(this.allUnits().map((u) => readDeadLetters(this.opts.redis, this.keys, u, limit)))
    ).flat();
    return all.sort((a, b) => b.at - a.at).slice(0, limit);
  }

  /**
   * Put a dead letter back into its stream and remove it from the dead letters, in one atomic
   * script (`replay-2.lua`): true for the one call that removed it, false when there is no such
   * dead letter (already replayed, by a concurrent call too). The message keeps its id, so a
   * message a copy of which was committed meanwhile is dropped as a duplicate (within
   * `seenRetentionMs`); a subscriber's dead letter goes back into the event partition marked for
   * that subscriber's group only.
   */
  async replay(id: string): Promise<boolean> {
    const p = parseDeadLetterId(id);
    if (!p) return false;
    const unit = this.allUnits().find((u) => u.kind === p.kind && u.group === p.group && u.shard === p.shard);
    if (!unit) return false;
    const dlq = this.keys.deadLetters(unit.root, unit.group);
    const only = unit.kind === 'subscriber' ? unit.group : '';
    return (await scripts.replay.run(this.opts.redis, [dlq, unit.stream], [p.entry, only])) === 1;
  }

  private async trimEvents(): Promise<void> {
    // Each event partition is trimmed by whoever owns it for the first subscriber.
    const first = [...this.opts.subscriberNames].sort()[0];
    for (const u of this.ownedUnits()) {
      if (u.kind !== 'subscriber' || u.group !== first) continue;
      await trimEventStream(this.env, u.stream).catch((err: unknown) =>
        this.opts.log.warn({ err }, 'event stream trim failed'),
      );
    }
  }

  /**
   * Per-shard gauges, refreshed on scrape for the groups this process runs. A scrape is answered
   * within SCRAPE_DEADLINE_MS: while Redis is away (or frozen) it reports `appliance_redis_up 0`
   * and the gauges' last values, instead of holding the scrape past Prometheus's timeout (the
   * target would be down, and the alert on `appliance_redis_up` could never see its 0).
   */
  private observe(): void {
    let last: { at: number; p: Promise<void> } | null = null;
    const away = () => this.metrics.redisUp.set(0);
    const refresh = (): Promise<void> => {
      if (last && Date.now() - last.at < 500) return last.p;
      const p = this.redisReady()
        ? within(this.collect(), SCRAPE_DEADLINE_MS, away).catch(away)
        : Promise.resolve(away());
      last = { at: Date.now(), p };
      return p;
    };
    const m = this.metrics;
    // `appliance_redis_up` too: read at the scrape it was refreshed for, not the next one.
    for (const g of [
      m.length,
      m.lag,
      m.pending,
      m.oldestPendingAge,
      m.hasOwner,
      m.outbox,
      m.deadLetters,
      m.redisUp,
    ]) {
      (g as unknown as { collect?: () => Promise<void> }).collect = refresh;
    }
  }

  private async collect(): Promise<void> {
    const units = this.groups.flatMap((g) => g.units);
    // A process without groups (an edge alone) asks Redis nothing else: a PING says it answers.
    if (units.length === 0) await this.opts.redis.ping();
    const stats = await this.stats(units);
    const m = this.metrics;
    const dead = new Map<string, number>();
    for (const s of stats) {
      const l = { type: s.unit.group, shard: s.unit.shard };
      m.length.set(l, s.length);
      m.lag.set(l, s.lag);
      m.pending.set(l, s.pending);
      m.oldestPendingAge.set(l, s.oldestPendingAgeS);
      m.hasOwner.set(l, s.owner ? 1 : 0);
      if (s.unit.kind === 'actor') m.outbox.set(l, s.outbox);
      dead.set(s.unit.group, (dead.get(s.unit.group) ?? 0) + s.deadLetters);
    }
    for (const [type, n] of dead) m.deadLetters.set({ type }, n);
    m.redisUp.set(1);
  }
}
