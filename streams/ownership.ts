import { Cluster } from 'ioredis';
import { FencedError } from './errors.js';
import { assignment } from './hash.js';
import { scripts } from './scripts.js';
import { abortableDelay } from './stream-io.js';
import { ShardRunner } from './shard-runner.js';
import { unitName, type Handling, type RunnerEnv, type Unit } from './unit.js';
import { RateLimitedLog } from './log.js';
import { heartbeat } from './membership.js';
import { watchStalls } from './watchdog.js';

/** `renew-1` once per lease, in one call (one node). */
const renewMany = scripts.renew.many();

/** A consumer group this process runs: its shards and how to handle one it comes to own. */
export interface GroupSpec {
  readonly group: string;
  readonly units: readonly Unit[];
  makeHandling(unit: Unit, epoch: number): Handling;
}

export interface OwnershipSettings {
  readonly leaseTtlMs: number;
  /** Voluntary moves (releases) per round, so a rolling update does not cause a storm. */
  readonly maxMovesPerRound: number;
  /** A loop with no progress for this long past its blocking read is restarted by the watchdog. */
  readonly stallMs: number;
}

interface Owned {
  runner: ShardRunner;
  ended: boolean;
}

/**
 * Shard ownership: every process of a group heartbeats into a members set; all compute the same
 * rendezvous assignment over the live members; each takes the free leases it should own (SET NX
 * PX + INCR epoch: the fencing token), renews them by compare-and-expire, and releases (after
 * draining) at most a few shards per round that now belong to someone else. A dead process's
 * leases expire and the survivors take its shards over.
 */
export class Coordinator {
  private readonly owned = new Map<string, Owned>();
  private desired = new Set<string>();
  /** As of the last round: shards mine or inherited, and each group's heartbeating members. */
  private wanted = new Set<string>();
  private fresh = new Map<string, ReadonlySet<string>>();
  private byName = new Map<string, { unit: Unit; spec: GroupSpec }>();
  /** Never two acquire attempts on one shard at once (a round and a takeover timer). */
  private readonly acquiring = new Set<string>();
  /** Takeover timers armed at a silent holder's lease expiry, and the attempts they started. */
  private readonly takeovers = new Map<string, NodeJS.Timeout>();
  private readonly attempts = new Set<Promise<void>>();
  private closing = false;
  private loop: Promise<void> = Promise.resolve();
  private readonly abort = new AbortController();
  private firstRound = false;
  private readonly errors: RateLimitedLog;
  private watchdogTimer: NodeJS.Timeout | null = null;
  stalled = false;

  constructor(
    private readonly env: RunnerEnv,
    readonly processId: string,
    private readonly groups: readonly GroupSpec[],
    private readonly settings: OwnershipSettings,
  ) {
    this.errors = new RateLimitedLog(env.log, 10_000);
  }

  get roundMs(): number {
    return Math.max(25, Math.floor(this.settings.leaseTtlMs / 8));
  }

  /**
   * A member whose heartbeat is this old is silent: its shards get a successor lined up. A live
   * member heartbeats every round (TTL/8 plus the round's own time), so half the TTL is several
   * missed rounds; a live member judged silent loses nothing (it keeps renewing, so the
   * successor's SET NX fails), and a dead one is silent well before its lease expires.
   */
  get silentMs(): number {
    return Math.max(3 * this.roundMs, Math.floor(this.settings.leaseTtlMs / 2));
  }

  start(): void {
    this.loop = this.run();
    // On a timer of its own: a round waiting on a hung command must not stop the watchdog.
    this.watchdogTimer = setInterval(() => this.watchdog(), this.roundMs);
  }

  /** True once this process holds every shard the assignment gives it. */
  ready(): boolean {
    if (!this.firstRound || this.closing) return false;
    for (const name of this.desired) if (!this.owned.has(name)) return false;
    return true;
  }

  ownedUnits(): Unit[] {
    return [...this.owned.values()].map((o) => o.runner.unit);
  }

  /** Leave the groups, drain every shard, release the leases. */
  async stop(): Promise<void> {
    this.closing = true;
    this.abort.abort();
    if (this.watchdogTimer) clearInterval(this.watchdogTimer);
    for (const t of this.takeovers.values()) clearTimeout(t);
    this.takeovers.clear();
    await this.loop;
    await Promise.all([...this.attempts]);
    await Promise.all(
      this.groups.map((g) =>
        this.env.redis.zrem(this.env.keys.members(g.group), this.processId).catch(() => 0),
      ),
    );
    await Promise.all([...this.owned.keys()].map((name) => this.release(name)));
  }

  private async run(): Promise<void> {
    while (!this.closing) {
      try {
        await this.round();
        this.env.metrics.redisUp.set(1);
      } catch (err) {
        this.env.metrics.redisUp.set(0);
        this.errors.warn('round', { err }, 'ownership round failed (is Redis reachable?)');
      }
      await abortableDelay(this.roundMs, this.abort.signal);
    }
  }

  private async round(): Promise<void> {
    const now = Date.now();
    const ttl = this.settings.leaseTtlMs;
    const desired = new Set<string>();
    const heirs = new Set<string>();
    const byName = new Map<string, { unit: Unit; spec: GroupSpec }>();
    const groups = this.groups.map((g) => g.group);
    const lives = await heartbeat(this.env, groups, this.processId, now, ttl, this.silentMs);
    for (const [g, spec] of this.groups.entries()) {
      const { live, fresh } = lives[g]!;
      this.fresh.set(spec.group, fresh);
      for (const unit of spec.units) {
        const name = unitName(unit);
        byName.set(name, { unit, spec });
        const a = assignment(live, fresh, this.processId, spec.group, unit.shard);
        if (a === 'mine') desired.add(name);
        else if (a === 'heir') heirs.add(name);
      }
    }
    this.desired = desired;
    this.wanted = new Set([...desired, ...heirs]);
    this.byName = byName;

    // Runners that ended on their own: fenced ones are gone; others restart on the same lease.
    for (const [name, o] of this.owned) {
      if (!o.ended) continue;
      const entry = byName.get(name);
      if (o.runner.fenced || !entry || this.closing) {
        this.forget(name, o.runner.unit);
      } else {
        this.launch(entry.unit, entry.spec, o.runner.epoch);
      }
    }

    // Renew what we hold; a lease we lost means another owner: stop at once.
    const held = [...this.owned.entries()];
    const renewed = await this.renew(
      held.map(([, o]) => this.env.keys.lease(o.runner.unit.root, o.runner.unit.group)),
      ttl,
    );
    held.forEach(([name, o], i) => {
      if (renewed[i] !== 1) {
        o.runner.fail(new FencedError(name));
        this.forget(name, o.runner.unit);
      }
    });

    // Release (bounded) what the assignment gives to a live, heartbeating member; a shard whose
    // live owner went silent is kept, not handed to a process that may be dead.
    const surplus = [...this.owned.keys()]
      .filter((n) => !this.wanted.has(n))
      .slice(0, this.settings.maxMovesPerRound);
    await Promise.all(surplus.map((n) => this.release(n)));

    // Take free leases we should hold; one held by a silent process is watched to its expiry.
    await Promise.all(
      [...this.wanted]
        .filter((n) => !this.owned.has(n))
        .map(async (n) => {
          if (!(await this.acquire(n))) await this.watchLease(n);
        }),
    );
    this.firstRound = true;
  }

  /**
   * Compare-and-expire every lease in `leases` (1: renewed, 0: lost). On one node in one call of
   * `renew-1`'s `many` form (each lease checked on its own, as before): one call per round instead
   * of one per lease, which had been 30 % of an idle store's round trips. A cluster's leases sit in
   * other hash slots, so there each is renewed alone.
   */
  private async renew(leases: readonly string[], ttl: number): Promise<unknown[]> {
    const { redis } = this.env;
    if (leases.length === 0) return [];
    if (redis instanceof Cluster) {
      return Promise.all(leases.map((lease) => scripts.renew.run(redis, [lease], [this.processId, ttl])));
    }
    return renewMany.run(
      redis,
      leases.map((lease) => ({ keys: [lease], args: [this.processId, ttl] })),
    );
  }

  /** Take a free lease (SET NX + INCR epoch: a new fencing token) and start its runner. */
  private async acquire(name: string): Promise<boolean> {
    const entry = this.byName.get(name);
    if (!entry || this.closing || this.owned.has(name) || this.acquiring.has(name)) return false;
    const { unit, spec } = entry;
    const k = this.env.keys;
    this.acquiring.add(name);
    try {
      const epoch = Number(
        await scripts.acquire.run(
          this.env.redis,
          [k.lease(unit.root, unit.group), k.epoch(unit.root, unit.group)],
          [this.processId, this.settings.leaseTtlMs],
        ),
      );
      if (epoch <= 0) return false;
      if (this.closing) {
        // Stopping: hand it straight back rather than leave it to expire unrun.
        await scripts.release.run(this.env.redis, [k.lease(unit.root, unit.group)], [this.processId]);
        return false;
      }
      this.env.metrics.rebalances.inc({ type: unit.group });
      this.launch(unit, spec, epoch);
      return true;
    } finally {
      this.acquiring.delete(name);
    }
  }

  /**
   * A shard we should run is held by a process that stopped heartbeating (or left): try again
   * the moment its lease expires (PTTL), not at the first round after, which would add up to a
   * round to every takeover. A heartbeating holder hands the shard over by itself.
   */
  private async watchLease(name: string): Promise<void> {
    const entry = this.byName.get(name);
    if (!entry || this.closing || this.takeovers.has(name) || this.acquiring.has(name)) return;
    const lease = this.env.keys.lease(entry.unit.root, entry.unit.group);
    const [holder, pttl] = await Promise.all([this.env.redis.get(lease), this.env.redis.pttl(lease)]);
    const fresh = this.fresh.get(entry.spec.group);
    if (holder === this.processId || (holder !== null && fresh?.has(holder)) || pttl === -1) return;
    if (this.closing || this.takeovers.has(name) || this.owned.has(name)) return;
    const timer = setTimeout(
      () => {
        this.takeovers.delete(name);
        const attempt = this.takeOver(name)
          .catch((err: unknown) => this.errors.warn('takeover', { err }, 'shard takeover attempt failed'))
          .finally(() => this.attempts.delete(attempt));
        this.attempts.add(attempt);
      },
      Math.max(0, pttl) + 1,
    );
    this.takeovers.set(name, timer);
  }

  private async takeOver(name: string): Promise<void> {
    if (!this.wanted.has(name) || (await this.acquire(name))) return;
    // Renewed after all (a slow process, not a dead one) or taken meanwhile: look again.
    if (this.wanted.has(name) && !this.owned.has(name)) await this.watchLease(name);
  }

  private launch(unit: Unit, spec: GroupSpec, epoch: number): void {
    const runner = new ShardRunner(this.env, unit, epoch, spec.makeHandling(unit, epoch));
    const o: Owned = { runner, ended: false };
    this.owned.set(unitName(unit), o);
    runner.start();
    void runner.done.then(() => {
      o.ended = true;
    });
    this.env.metrics.owned.set({ type: unit.group, shard: unit.shard }, 1);
  }

  private async release(name: string): Promise<void> {
    const o = this.owned.get(name);
    if (!o) return;
    await o.runner.stop();
    const { unit } = o.runner;
    this.forget(name, unit);
    if (!o.runner.fenced) {
      await scripts.release
        .run(this.env.redis, [this.env.keys.lease(unit.root, unit.group)], [this.processId])
        .catch(() => 0);
      this.env.metrics.rebalances.inc({ type: unit.group });
    }
  }

  private forget(name: string, unit: Unit): void {
    this.owned.delete(name);
    this.env.metrics.owned.set({ type: unit.group, shard: unit.shard }, 0);
  }

  /** A blocking read that silently stopped (after a reconnect) gets a fresh connection. */
  private watchdog(): void {
    const running = [...this.owned.values()].filter((o) => !o.ended).map((o) => o.runner);
    const stuck = watchStalls(running, Date.now(), this.settings.stallMs, (r) =>
      this.errors.warn(
        'stall',
        { unit: unitName(r.unit) },
        'consumer loop made no progress: restarting its read',
      ),
    );
    this.stalled = stuck;
    this.env.metrics.stalled.set(stuck ? 1 : 0);
  }
}
