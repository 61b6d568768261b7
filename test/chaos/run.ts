/**
 * One chaos run: start the world, let the shoppers shop while the scheduler injects faults, heal
 * everything, wait for quiescence, check every order against the observers, and compute the
 * liveness figures. Returns the figures (printed as one JSON line by the caller) and every
 * violation found.
 */
import { FAULT_KINDS, Recorder, longestStall, successOutsideWindows } from './recorder.js';
import { ChaosHttp } from './http.js';
import { PendingWatch } from './pending.js';
import { FaultScheduler } from './faults.js';
import { Rng, runSeed } from './rng.js';
import { Shopper, shopperPrincipals } from './shoppers.js';
import { deadLetters, quiesce, verifyOrders } from './verify.js';
import { ChaosWorld } from './world.js';

export interface ChaosSettings {
  /** How long faults are injected under load. */
  readonly durationMs: number;
  readonly shoppers: number;
  /** A run that only returns errors passes trivially: at least this many finished lifecycles. */
  readonly minLifecycles: number;
  readonly minSuccessRate: number;
  readonly maxStallMs: number;
  /** Everything must be finished this long after healing. */
  readonly quiesceMs: number;
  /** No mailbox or event-stream entry may stay unacknowledged longer than this, at any time. */
  readonly maxPendingMs: number;
}

export interface ChaosReport {
  readonly figures: Record<string, unknown>;
  readonly violations: string[];
}

const LEASE_TTL_MS = 3000;
const PSP_TIMEOUT_MS = 1000;
/** outbound/breaker.ts DEFAULT_BREAKER_OPTIONS.resetTimeoutMs. */
const BREAKER_RESET_MS = 10_000;

const hold = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runChaos(s: ChaosSettings): Promise<ChaosReport> {
  const seed = runSeed();
  // Printed first, so that even a run that hangs can be replayed with CHAOS_SEED.
  console.log(`chaos: seed ${seed} (replay with CHAOS_SEED=${seed}), ${s.durationMs / 1000} s of faults`);
  const rng = new Rng(seed);
  const world = await ChaosWorld.start({
    workersPerRole: 2,
    edges: 2,
    leaseTtlMs: LEASE_TTL_MS,
    pspTimeoutMs: PSP_TIMEOUT_MS,
    requestTimeoutMs: 8000,
    shards: 4,
  });
  try {
    const rec = new Recorder();
    const http = new ChaosHttp(world.edgeUrls(), rec, 15_000);
    const principals = shopperPrincipals(s.shoppers);
    await http.login(principals);
    const shoppers = Array.from(
      { length: s.shoppers },
      (_, i) => new Shopper(i, http, rng.fork(i + 1), { stepDeadlineMs: 60_000, thinkMs: [20, 200] }),
    );
    const scheduler = new FaultScheduler(world, rec, rng.fork(1000), {
      leaseTtlMs: LEASE_TTL_MS,
      pspTimeoutMs: PSP_TIMEOUT_MS,
      breakerResetMs: BREAKER_RESET_MS,
      quietMs: [3000, 6000],
    });

    let stopping = false;
    const loadStart = Date.now();
    // Settled, not all: a client that hits an unexpected answer is a violation to report, and the
    // others must still finish (and no rejection may go unhandled while faults run).
    const shopping = Promise.allSettled(shoppers.map((sh) => sh.run(() => stopping)));
    const pending = new PendingWatch(world.admin, world.prefix, world.o.shards, loadStart);
    pending.start(1000);
    let poison: { entryId: string; stream: string } | null = null;
    try {
      await hold(rng.int(1000, 4000));
      poison = await scheduler.injectPoison();
      await scheduler.run(loadStart + s.durationMs);
    } finally {
      try {
        await world.healAll();
      } finally {
        stopping = true;
      }
    }
    const loadEnd = Date.now();
    const outcomes = await shopping; // each client drives the order it holds to its end
    const windDownMs = Date.now() - loadEnd;
    const clientErrors = outcomes.flatMap((o, i) =>
      o.status === 'rejected' ? [`client ${i}: ${String(o.reason)}`] : [],
    );
    await world.allReady(60_000);

    const check = new ChaosHttp(world.edgeUrls(), new Recorder(), 15_000);
    await check.login(principals);
    const violations: string[] = [...clientErrors];
    const q = await quiesce(check, s.quiesceMs);
    if (q.stuck.length > 0)
      violations.push(`unfinished work ${s.quiesceMs} ms after healing: ${q.stuck.join('; ')}`);
    const oldest = pending.stop();
    if (oldest.maxAgeMs > s.maxPendingMs) {
      violations.push(
        `an entry stayed pending ${oldest.maxAgeMs} ms (max ${s.maxPendingMs}): ${oldest.where}`,
      );
    }

    const dead = await deadLetters(check);
    const poisonFound = dead.filter((d) => d.type === 'order' && d.key === '' && d.messageType === '');
    if (poisonFound.length !== 1 || dead.length !== 1) {
      violations.push(
        `dead letters: expected exactly the poison (${poison?.stream} ${poison?.entryId}), found ${JSON.stringify(dead)}`,
      );
    }

    const logs = shoppers.flatMap((sh) => sh.orders);
    const verdict = await verifyOrders(
      check,
      logs,
      () => world.psp.stats(),
      () => world.gateway.delivered(),
      30_000,
    );
    violations.push(
      ...verdict.lost.map((x) => `lost: ${x}`),
      ...verdict.doubled.map((x) => `doubled: ${x}`),
      ...verdict.other,
    );
    violations.push(...verdict.orphanCharges.map((x) => `orphan charge: ${x}`));

    const rate = successOutsideWindows(rec.requests, rec.windows());
    const stall = longestStall(
      rec.requests.filter((r) => r.ok).map((r) => r.end),
      { from: loadStart, to: loadEnd },
      rec.redisDownWindows(),
    );
    const lifecycles = verdict.delivered + verdict.cancelled;
    if (lifecycles < s.minLifecycles)
      violations.push(`only ${lifecycles} lifecycles finished (at least ${s.minLifecycles} expected)`);
    if (rate.rate < s.minSuccessRate) {
      const sample = rate.failures
        .slice(0, 10)
        .map((f) => `${f.route} ${f.status} at +${f.start - loadStart} ms`);
      violations.push(
        `success rate outside fault windows ${(rate.rate * 100).toFixed(2)}% < ${s.minSuccessRate * 100}%: ${sample.join(', ')}`,
      );
    }
    const counts = rec.faultCounts();
    const missing = FAULT_KINDS.filter((k) => (counts[k] ?? 0) < 1);
    if (missing.length > 0) violations.push(`fault kinds never injected: ${missing.join(', ')}`);
    // On a loaded machine restarts take long and the fault windows cover most of the run: a floor.
    if (rate.total < 30)
      violations.push(`only ${rate.total} requests outside fault windows: too few to judge liveness`);
    if (stall > s.maxStallMs)
      violations.push(`throughput stayed at 0 for ${stall} ms while Redis was up (max ${s.maxStallMs})`);

    const placed = logs.filter((l) => l.placed);
    const books = await world.psp.stats();
    const figures = {
      seed,
      faultSeconds: Math.round((loadEnd - loadStart) / 1000),
      orders: placed.length,
      ordersAttempted: logs.length,
      delivered: verdict.delivered,
      cancelledAndRefunded: verdict.cancelled,
      clientGaveUp: logs.filter((l) => l.gaveUp !== null).length,
      establishedWithout201: verdict.establishedUnanswered,
      faults: counts,
      lost: verdict.lost.length,
      doubled: verdict.doubled.length,
      orphanCharges: verdict.orphanCharges.length,
      voidedCharges: verdict.voided.length,
      charges: Object.keys(books.charges).length,
      refunds: Object.keys(books.refunds).length,
      pspRequests: books.received,
      gatewayPosts: world.gateway.received().length,
      requests: rec.requests.length,
      requestsOutsideFaults: rate.total,
      successRateOutsideFaults: Number(rate.rate.toFixed(4)),
      successRateOverall: Number(
        (rec.requests.filter((r) => r.ok).length / Math.max(1, rec.requests.length)).toFixed(4),
      ),
      longestStallMs: stall,
      windDownMs,
      quiesceMs: q.ms,
      deadLetters: dead.length,
      longestPendingMs: oldest.maxAgeMs,
      longestPendingAt: oldest.where,
      violations: violations.length,
    };
    return { figures, violations };
  } finally {
    await world.stop();
  }
}
