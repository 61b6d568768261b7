/**
 * Complete order lifecycles per second (place, accept, pack, complete the delivery, order
 * `Delivered`), driven through the REST API by closed-loop clients; then, at half that rate
 * (open loop), the time from each status change to its first appearance on the customer's
 * my page (the CQRS read model), polled every POLL_MS.
 *
 * Started here: a private redis-server (AOF everysec), the payment provider as a local HTTP
 * server (own process), ONE store process with every role. Rate limit and load shedding are
 * raised out of the way (reported).
 *
 * Prints one JSON line. Knobs (env): CONCURRENCY (8), WARMUP_SECONDS (5), DURATION_SECONDS (20),
 * LATENCY_SECONDS (15), POLL_MS (10, my page), STEP_POLL_MS (25, step retries and status polls), SHARDS, EVENT_SHARDS (16), BENCH_CPU_PROF.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { killAll } from '../test/support/processes.js';
import { StoreClient } from '../test/support/store-process.js';
import {
  LABELS,
  lifecycle,
  type Label,
  type LifecycleOptions,
  type LifecycleResult,
} from './store/lifecycle.js';
import { num, percentile, protections, round1, startStack } from './store/stack.js';

const CONCURRENCY = num('CONCURRENCY', 8);
const WARMUP_S = num('WARMUP_SECONDS', 5);
const DURATION_S = num('DURATION_SECONDS', 20);
const LATENCY_S = num('LATENCY_SECONDS', 15);
const POLL_MS = num('POLL_MS', 10);
const STEP_POLL_MS = num('STEP_POLL_MS', 25);
const TIMEOUT_MS = 30_000;

interface Closed {
  readonly done: number;
  readonly errors: number;
  readonly durations: number[];
  readonly firstError: string | null;
}

/** CONCURRENCY clients, each running lifecycles back to back; counts those finished in the window. */
async function closedLoop(client: StoreClient, seconds: number, tag: string): Promise<Closed> {
  const o: LifecycleOptions = { pollMs: STEP_POLL_MS, timeoutMs: TIMEOUT_MS, watch: false };
  const end = Date.now() + seconds * 1000;
  let done = 0;
  let errors = 0;
  let firstError: string | null = null;
  const durations: number[] = [];
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, i) => {
      while (Date.now() < end) {
        try {
          const r = await lifecycle(client, `bench-${tag}-${i}`, o);
          if (Date.now() <= end) {
            done++;
            durations.push(r.ms);
          }
        } catch (err) {
          errors++;
          firstError ??= String(err);
        }
      }
    }),
  );
  return { done, errors, durations, firstError };
}

/** Lifecycles started at `perS` (open loop) for `seconds`, each watching its my page. */
async function openLoop(client: StoreClient, perS: number, seconds: number) {
  const o: LifecycleOptions = {
    pollMs: STEP_POLL_MS,
    watchPollMs: POLL_MS,
    timeoutMs: TIMEOUT_MS,
    watch: true,
  };
  const runs: Promise<LifecycleResult | Error>[] = [];
  const start = Date.now();
  const total = Math.max(1, Math.round(perS * seconds));
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / perS;
    if (due > Date.now()) await delay(due - Date.now());
    runs.push(
      lifecycle(client, `bench-lat-${i % 50}`, o).catch((err: unknown) =>
        err instanceof Error ? err : new Error(String(err)),
      ),
    );
  }
  const results = await Promise.all(runs);
  const ok = results.filter((r): r is LifecycleResult => !(r instanceof Error));
  const failed = results.filter((r): r is Error => r instanceof Error);
  const all: number[] = [];
  const byLabel: Partial<Record<Label, number>> = {};
  for (const l of LABELS) {
    const xs = ok.map((r) => r.visibleAfterMs[l]).filter((x): x is number => x !== undefined);
    all.push(...xs);
    byLabel[l] = percentile(xs, 99);
  }
  return {
    started: total,
    errors: failed.length,
    firstError: failed[0]?.message ?? null,
    p50: percentile([...all], 50),
    p99: percentile(all, 99),
    byLabel,
    lifecycleP50: percentile(
      ok.map((r) => r.ms),
      50,
    ),
  };
}

async function main(): Promise<void> {
  const stack = await startStack();
  try {
    const store = await stack.store('all');
    const client = new StoreClient(store.url);
    await closedLoop(client, WARMUP_S, 'warm');
    const max = await closedLoop(client, DURATION_S, 'max');
    const perS = max.done / DURATION_S;
    const half = Math.max(0.5, perS / 2);
    const lat = await openLoop(client, half, LATENCY_S);
    console.log(
      JSON.stringify({
        bench: 'saga',
        concurrency: CONCURRENCY,
        warmup_s: WARMUP_S,
        duration_s: DURATION_S,
        lifecycles_per_s: round1(perS),
        lifecycle_p50_ms: percentile([...max.durations], 50),
        lifecycle_p99_ms: percentile(max.durations, 99),
        errors: max.errors,
        first_error: max.firstError,
        latency_phase: {
          lifecycles_per_s: round1(half),
          seconds: LATENCY_S,
          lifecycles: lat.started,
          errors: lat.errors,
          first_error: lat.firstError,
          poll_ms: POLL_MS,
          step_poll_ms: STEP_POLL_MS,
          lifecycle_p50_ms: lat.lifecycleP50,
        },
        change_to_my_page_p50_ms: lat.p50,
        change_to_my_page_p99_ms: lat.p99,
        change_to_my_page_p99_ms_by_status: lat.byLabel,
        goal: { errors: 0 },
        pass: max.errors === 0 && lat.errors === 0,
        setup: {
          store: 'one process, --roles all, PSP_URL = local HTTP provider (own process), redis AOF everysec',
          shards: stack.env().SHARDS,
          measured_from:
            'status change = my-page history `at` (the actor decision time); seen = first poll showing it',
          ...protections(),
        },
      }),
    );
  } finally {
    await stack.stop();
    await killAll();
  }
}

await main();
