/**
 * kill -9 a worker process that owns shards while order lifecycles run, and time until every
 * shard it held is processing again, as a ratio to the lease TTL.
 *
 * Started here: a private redis-server (AOF everysec), the payment provider as a local HTTP
 * server, one edge process (`--roles edge`) and two worker processes (every other role). Load:
 * CONCURRENCY closed-loop lifecycles (place, accept, pack, complete) through the edge, so every
 * actor type and subscriber has traffic on every shard. Each round: pick the worker holding
 * leases, SIGKILL it, note each of its shard streams' last entry id at that moment; a shard is
 * processing again once a live process holds its lease, its consumer group has read up to that
 * id (`last-delivered-id`) and no entry from before the kill is still pending (the new owner
 * re-read and finished the dead one's in-flight entries). A
 * replacement worker is started between rounds. Requests caught by the kill fail until the
 * takeover (they are counted, not judged).
 *
 * Prints one JSON line. Knobs (env): LEASE_TTL_MS (2000), ROUNDS (2), CONCURRENCY (12),
 * SHARDS (8), EVENT_SHARDS (8), LOAD_SECONDS before each kill (3).
 */
import { Redis } from 'ioredis';
import { setTimeout as delay } from 'node:timers/promises';
import { killAll, waitFor } from '../test/support/processes.js';
import { StoreClient } from '../test/support/store-process.js';
import type { BenchProcess } from './store/child.js';
import { lifecycle } from './store/lifecycle.js';
import { idAfter, lastIds, leaseHolders, progress, type LeasedUnit } from './store/shards.js';
import { num, protections, startStack, type StoreStack } from './store/stack.js';

const LEASE_TTL_MS = num('LEASE_TTL_MS', 2000);
const ROUNDS = num('ROUNDS', 2);
const CONCURRENCY = num('CONCURRENCY', 12);
const LOAD_S = num('LOAD_SECONDS', 3);
const SHARDS = num('SHARDS', 8);
const GOAL = 1.2;
const WORKER_ROLES = 'order,payment,store,delivery,projector,notifier';
const STORE_ENV = {
  LEASE_TTL_MS: String(LEASE_TTL_MS),
  SHARDS: String(SHARDS),
  EVENT_SHARDS: String(num('EVENT_SHARDS', 8)),
};

interface Worker {
  readonly proc: BenchProcess;
  readonly processId: string;
}

interface Round {
  readonly units: number;
  /** Max over the victim's shards: kill to processing again. */
  readonly resumedMs: number;
  /** Max over the victim's shards: kill to the lease held by a survivor. */
  readonly leaseMs: number;
  readonly ratio: number;
  /** The shard that resumed last, and when its lease was taken. */
  readonly slowest: { readonly lease: string; readonly leaseMs: number; readonly resumedMs: number } | null;
  /** Shards not processing again by the deadline. */
  readonly idleUnits: number;
}

async function startWorker(stack: StoreStack): Promise<Worker> {
  const proc = await stack.store(WORKER_ROLES, { ...STORE_ENV, LOG_LEVEL: 'info' });
  const processId = await waitFor(() => /"processId":"([^"]+)"/.exec(proc.output())?.[1], {
    what: 'worker processId',
  });
  return { proc, processId };
}

/** Wait until the assignment has settled: every worker holds leases and nothing is unheld for a while. */
async function settled(
  redis: Redis,
  prefix: string,
  workers: readonly Worker[],
): Promise<Map<LeasedUnit, string>> {
  let stableSince = 0;
  let last = '';
  return waitFor(
    async () => {
      const holders = await leaseHolders(redis, prefix);
      const owners = new Set(holders.values());
      const sig = [...holders.entries()]
        .map(([u, h]) => `${u.lease}=${h}`)
        .sort()
        .join(',');
      if (sig !== last || !workers.every((w) => owners.has(w.processId))) {
        last = sig;
        stableSince = Date.now();
        return null;
      }
      return Date.now() - stableSince > LEASE_TTL_MS ? holders : null;
    },
    { timeoutMs: 60_000, intervalMs: 100, what: 'a settled shard assignment' },
  );
}

async function killRound(redis: Redis, stack: StoreStack, workers: Worker[]): Promise<Round> {
  const holders = await settled(redis, stack.prefix, workers);
  const victim = workers[0]!;
  const units = [...holders].filter(([, h]) => h === victim.processId).map(([u]) => u);
  victim.proc.child.kill('SIGKILL');
  const killedAt = Date.now();
  const marks = await lastIds(redis, units);
  const resumed = new Array<number>(units.length).fill(0);
  const leased = new Array<number>(units.length).fill(0);
  const deadline = killedAt + Math.max(30_000, LEASE_TTL_MS * 10);
  while (Date.now() < deadline && resumed.some((r) => r === 0)) {
    const p = await progress(redis, units);
    const now = Date.now();
    p.forEach((s, i) => {
      if (leased[i] === 0 && s.holder !== null && s.holder !== victim.processId) leased[i] = now - killedAt;
      // Processing again: a live owner holds it, it has read everything that was there at the
      // kill, and nothing from before the kill is still pending (the dead one's in-flight work).
      const mark = marks[i]!;
      const caughtUp =
        !idAfter(mark, s.delivered) && (s.oldestPending === null || idAfter(s.oldestPending, mark));
      if (resumed[i] === 0 && leased[i]! > 0 && caughtUp) resumed[i] = now - killedAt;
    });
    await delay(10);
  }
  await victim.proc.stop('SIGKILL');
  workers.shift();
  const done = resumed.filter((r) => r > 0);
  const resumedMs = done.length > 0 ? Math.max(...done) : 0;
  const last = resumed.indexOf(resumedMs);
  return {
    slowest:
      last >= 0
        ? { lease: units[last]!.lease.slice(stack.prefix.length + 1), leaseMs: leased[last]!, resumedMs }
        : null,
    units: units.length,
    resumedMs,
    leaseMs: Math.max(0, ...leased),
    ratio: Math.round((resumedMs / LEASE_TTL_MS) * 1000) / 1000,
    idleUnits: units.length - done.length,
  };
}

async function main(): Promise<void> {
  const stack = await startStack();
  const redis = new Redis(stack.redis.url);
  let loading = true;
  let ok = 0;
  let failed = 0;
  const load: Promise<void>[] = [];
  try {
    const edge = await stack.store('edge', STORE_ENV);
    const workers = [await startWorker(stack), await startWorker(stack)];
    const client = new StoreClient(edge.url);
    for (let i = 0; i < CONCURRENCY; i++) {
      load.push(
        (async () => {
          while (loading) {
            await lifecycle(client, `bench-rec-${i}`, { pollMs: 10, timeoutMs: 20_000, watch: false }).then(
              () => ok++,
              () => failed++,
            );
          }
        })(),
      );
    }
    const rounds: Round[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      await delay(LOAD_S * 1000);
      rounds.push(await killRound(redis, stack, workers));
      workers.push(await startWorker(stack));
    }
    loading = false;
    await Promise.all(load);
    const worst = Math.max(...rounds.map((r) => r.ratio));
    console.log(
      JSON.stringify({
        bench: 'recovery',
        lease_ttl_ms: LEASE_TTL_MS,
        rounds: rounds.map((r) => ({
          shards_of_victim: r.units,
          resumed_ms: r.resumedMs,
          lease_taken_ms: r.leaseMs,
          ratio: r.ratio,
          shards_not_resumed: r.idleUnits,
          slowest_shard: r.slowest,
        })),
        worst_resumed_ms: Math.max(...rounds.map((r) => r.resumedMs)),
        ratio_to_lease_ttl: worst,
        lifecycles_ok: ok,
        lifecycles_failed_during_kills: failed,
        goal: { ratio_to_lease_ttl: `<= ${GOAL}` },
        pass: worst > 0 && worst <= GOAL && rounds.every((r) => r.idleUnits === 0),
        setup: {
          processes:
            'edge + 2 workers (order,payment,store,delivery,projector,notifier); one killed per round, replaced',
          shards: SHARDS,
          event_shards: STORE_ENV.EVENT_SHARDS,
          concurrency: CONCURRENCY,
          processing_again:
            "lease held by a live process, the group has read up to the stream's last id at the kill, nothing from before the kill pending",
          ...protections(),
        },
      }),
    );
  } finally {
    loading = false;
    await Promise.allSettled(load);
    redis.disconnect();
    await stack.stop();
    await killAll();
  }
}

await main();
