/**
 * The fault scheduler: one fault at a time, chosen by the seeded generator (a first round covers
 * every kind once, in a shuffled order), held for a while, healed, then a quiet gap. The waits
 * here are the faults' own durations (inputs of the experiment), never waits for results.
 */
import { Keys } from '../../streams/keys.js';
import { FAULT_KINDS, type FaultKind, type FaultRecord, type Recorder } from './recorder.js';
import type { Rng } from './rng.js';
import type { ChaosWorld, Slot } from './world.js';

const hold = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The kinds the scheduler draws from (the poison is injected once, by `injectPoison`). */
export const RANDOM_FAULTS: readonly Exclude<FaultKind, 'poison'>[] = FAULT_KINDS.filter(
  (k): k is Exclude<FaultKind, 'poison'> => k !== 'poison',
);

export interface SchedulerOptions {
  readonly leaseTtlMs: number;
  readonly pspTimeoutMs: number;
  /** The payment circuit breaker's reset time: after a provider outage it may stay open this long. */
  readonly breakerResetMs: number;
  readonly quietMs: readonly [number, number];
}

export class FaultScheduler {
  constructor(
    private readonly world: ChaosWorld,
    private readonly rec: Recorder,
    private readonly rng: Rng,
    private readonly o: SchedulerOptions,
  ) {}

  /** Inject faults until `until` (ms since epoch); the last one is healed before returning. */
  async run(until: number): Promise<void> {
    const first = [...RANDOM_FAULTS];
    for (let i = first.length - 1; i > 0; i--) {
      const j = this.rng.int(0, i);
      [first[i], first[j]] = [first[j]!, first[i]!];
    }
    // Past `until` only to finish the first round: a run must have tried every kind of fault.
    while (Date.now() < until || first.length > 0) {
      const kind = first.shift() ?? this.rng.pick(RANDOM_FAULTS);
      await this.inject(kind);
      this.report(this.rec.faults.at(-1));
      await hold(this.rng.int(...this.o.quietMs));
    }
  }

  /** XADD a malformed entry into an order mailbox: it must end in the dead letters, alone. */
  async injectPoison(): Promise<{ entryId: string; stream: string }> {
    const shard = this.rng.int(0, this.world.o.shards - 1);
    const stream = new Keys(this.world.prefix).mailbox('order', shard);
    const f = this.rec.fault('poison', stream, 0);
    const entryId = String(await this.world.admin.xadd(stream, '*', 'm', '{"this is": not json'));
    this.rec.heal(f);
    return { entryId, stream };
  }

  private async inject(kind: Exclude<FaultKind, 'poison'>): Promise<void> {
    const lease = this.o.leaseTtlMs;
    const w = this.world;
    switch (kind) {
      case 'kill-worker': {
        const s = this.pickRunning(w.workers());
        const f = this.rec.fault(kind, s.name, lease + 3000);
        await w.kill(s);
        await w.launch(s);
        return this.rec.heal(f);
      }
      case 'kill-edge': {
        const s = this.pickRunning(w.edges());
        const f = this.rec.fault(kind, s.name, 1000);
        await w.kill(s);
        await w.launch(s);
        return this.rec.heal(f);
      }
      case 'pause-worker': {
        // Past its lease: the others take its shards; on SIGCONT it must find itself fenced.
        const s = this.pickRunning(w.workers());
        const ms = Math.round(lease * 1.5) + this.rng.int(0, 1000);
        const f = this.rec.fault(kind, `${s.name} for ${ms} ms`, lease + 3000);
        w.pause(s);
        await hold(ms);
        w.resume(s);
        return this.rec.heal(f);
      }
      case 'kill-redis': {
        const ms = this.rng.int(500, 2500);
        const f = this.rec.fault(kind, `down ${ms} ms`, lease + 3000);
        const down: { from: number; to: number | null } = { from: Date.now(), to: null };
        this.rec.redisDown.push(down);
        await w.killRedis();
        await hold(ms);
        await w.restartRedis();
        down.to = Date.now() + 3000; // clients reconnect with back-off
        return this.rec.heal(f);
      }
      case 'net-latency': {
        const latency = this.rng.int(50, 150);
        const ms = this.rng.int(2000, 5000);
        return this.toxic(kind, `${latency}±${latency / 2} ms for ${ms} ms`, ms, 1000, {
          type: 'latency',
          latency,
          jitter: Math.round(latency / 2),
        });
      }
      case 'net-reset': {
        const ms = this.rng.int(1000, 3000);
        return this.toxic(kind, `half the connections reset for ${ms} ms`, ms, lease + 3000, {
          type: 'reset_peer',
          timeout: 0,
          toxicity: 0.5,
        });
      }
      case 'net-timeout': {
        const ms = this.rng.int(1500, 3000);
        return this.toxic(kind, `black hole, closed after 1 s, for ${ms} ms`, ms, lease + 3000, {
          type: 'timeout',
          timeout: 1000,
        });
      }
      case 'psp-flap': {
        const steps = this.rng.int(2, 4);
        const modes: string[] = [];
        const f = this.rec.fault(kind, '', this.o.breakerResetMs + 2000);
        for (let i = 0; i < steps; i++) {
          const m = this.rng.pick(['down', 'hang', 'slow', 'up'] as const);
          // Slow past the client's timeout: the provider books the charge after the store gave up.
          if (m === 'slow') await w.psp.setMode('slow', this.o.pspTimeoutMs + 500);
          else await w.psp.setMode(m);
          modes.push(m);
          await hold(this.rng.int(700, 2000));
        }
        await w.psp.setMode('up');
        f.detail = modes.join(' > ');
        return this.rec.heal(f);
      }
      case 'gateway-down': {
        const ms = this.rng.int(2000, 6000);
        const f = this.rec.fault(kind, `${ms} ms`, 1000);
        w.gateway.setDown(true);
        await hold(ms);
        w.gateway.setDown(false);
        return this.rec.heal(f);
      }
      default: {
        const never: never = kind;
        throw new Error(`unknown fault ${String(never)}`);
      }
    }
  }

  private async toxic(
    kind: FaultKind,
    detail: string,
    ms: number,
    graceMs: number,
    t: Parameters<ChaosWorld['proxy']['addToxic']>[0],
  ): Promise<void> {
    const f: FaultRecord = this.rec.fault(kind, detail, graceMs);
    const name = await this.world.proxy.addToxic(t);
    await hold(ms);
    await this.world.proxy.removeToxic(name);
    this.rec.heal(f);
  }

  /** One line per fault as it is healed, so a long run can be followed (and a hang located). */
  private report(f: FaultRecord | undefined): void {
    if (!f) return;
    const t0 = this.rec.faults[0]?.start ?? f.start;
    const held = (f.healed ?? Date.now()) - f.start;
    console.log(`chaos: +${((f.start - t0) / 1000).toFixed(1)} s ${f.kind} (${f.detail}) held ${held} ms`);
  }

  private pickRunning(slots: readonly Slot[]): Slot {
    const running = slots.filter((s) => s.proc && !s.paused);
    return this.rng.pick(running.length > 0 ? running : slots);
  }
}
