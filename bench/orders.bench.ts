/**
 * `POST /orders` with the synchronous payment against a bare Koa handler, both driven by the
 * same load generator (autocannon, 50 connections) in the same run: only the ratio compares
 * across runs on a shared machine.
 *
 * Started here: a private redis-server (AOF everysec), the payment provider as a fast local
 * HTTP server (its own process, PSP_URL), ONE store process with every role (the embedded
 * default), the bare Koa process, and the floor process (store/floor-main.ts: token, body,
 * charge and one XADD, with none of the actor runtime). The floor's ratio to bare Koa is the
 * most that an order path in one process, paying synchronously and keeping the order, could
 * reach here: the line says whether the goal is within reach on this machine at all.
 *
 * Each order carries no Idempotency-Key (API.md: optional), so every request is a new order,
 * paid through the provider. One customer token from the dev issuer. The rate limit and load
 * shedding are raised out of the way (and reported).
 *
 * Prints one JSON line. Knobs (env): WARMUP_SECONDS (5), DURATION_SECONDS (20), CONNECTIONS (50), IDLE_SECONDS (3),
 * SHARDS, EVENT_SHARDS (16), BENCH_CPU_PROF (a directory: the children write CPU profiles).
 */
import { setTimeout as delay } from 'node:timers/promises';
import autocannon, { type AutocannonResult } from 'autocannon';
import { killAll } from '../test/support/processes.js';
import { StoreClient } from '../test/support/store-process.js';
import { startScript } from './store/child.js';
import { commandsPer, cpuMeter, redisCommands } from './store/cpu.js';
import { num, protections, round1, startStack } from './store/stack.js';

const WARMUP_S = num('WARMUP_SECONDS', 5);
const DURATION_S = num('DURATION_SECONDS', 20);
const CONNECTIONS = num('CONNECTIONS', 50);
const IDLE_S = num('IDLE_SECONDS', 3);
const GOAL_RATIO = 0.25;

const ORDER = JSON.stringify({
  productId: 'wm-100',
  quantity: 1,
  paymentToken: 'tok_visa',
  address: '1 Bench Street',
});

interface Run {
  readonly perS: number;
  readonly created: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
  readonly statusCodes: Record<string, number>;
}

async function load(url: string, token: string, seconds: number): Promise<Run> {
  const r: AutocannonResult = await autocannon({
    url: `${url}/orders`,
    connections: CONNECTIONS,
    duration: seconds,
    timeout: 10,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: ORDER,
  });
  const statusCodes: Record<string, number> = {};
  for (const [code, s] of Object.entries(r.statusCodeStats)) statusCodes[code] = s.count;
  const created = statusCodes['201'] ?? 0;
  const answered = Object.values(statusCodes).reduce((a, b) => a + b, 0);
  return {
    perS: Math.round(created / r.duration),
    created,
    p50Ms: round1(r.latency.p50),
    p99Ms: round1(r.latency.p99),
    errors: r.errors + r.timeouts + (answered - created),
    statusCodes,
  };
}

/** Warm up, then load `url` for DURATION_S while metering the CPU of `pids` (after `atStart`). */
async function measure(
  url: string,
  token: string,
  pids: Record<string, number>,
  atStart: () => Promise<void> = () => Promise.resolve(),
): Promise<{ run: Run; ms: Record<string, number> }> {
  await load(url, token, WARMUP_S);
  await atStart();
  const cpu = cpuMeter(pids);
  const run = await load(url, token, DURATION_S);
  return { run, ms: cpu.stop() };
}

async function main(): Promise<void> {
  const stack = await startStack();
  const bare = await startScript('bare-koa-main');
  const floor = await startScript('floor-main', { REDIS_URL: stack.redis.url, PSP_URL: stack.psp.url });
  try {
    const store = await stack.store('all');
    const token = await new StoreClient(store.url).token('bench-customer', 'customer');

    const { run: koa, ms: koaMs } = await measure(bare.url, token, {
      server: bare.pid,
      loadgen: process.pid,
    });
    const withPayment = (name: string, pid: number) => ({
      [name]: pid,
      psp: stack.psp.pid,
      redis: stack.redis.pid ?? 0,
      loadgen: process.pid,
    });
    const { run: least, ms: floorMs } = await measure(floor.url, token, withPayment('server', floor.pid));
    // The store's own background work (ownership rounds, timer ticks, lag gauges), measured idle,
    // so the per-order figures can be given net of it.
    const idleCmds = await redisCommands(stack.redis.url);
    const idleCpu = cpuMeter({ store: store.pid, redis: stack.redis.pid ?? 0 });
    await delay(IDLE_S * 1000);
    const idleMs = idleCpu.stop();
    const idlePerS = commandsPer(idleCmds, await redisCommands(stack.redis.url), IDLE_S);
    let cmdsBefore = new Map<string, number>();
    const { run: orders, ms: storeMs } = await measure(
      store.url,
      token,
      withPayment('store', store.pid),
      async () => void (cmdsBefore = await redisCommands(stack.redis.url)),
    );
    const cmdsAfter = await redisCommands(stack.redis.url);
    const cmds = commandsPer(cmdsBefore, cmdsAfter, orders.created);
    const totalCmds = Object.values(commandsPer(cmdsBefore, cmdsAfter, 1)).reduce((a, b) => a + b, 0);
    const idleCmdsPerS = Object.values(idlePerS).reduce((a, b) => a + b, 0);
    const netCmdsPerOrder = Math.round((totalCmds - idleCmdsPerS * DURATION_S) / Math.max(1, orders.created));
    const netStoreCpuMs =
      (storeMs.store! - (idleMs.store! / IDLE_S) * DURATION_S) / Math.max(1, orders.created);
    const per = (ms: Record<string, number>, n: number) =>
      Object.fromEntries(
        Object.entries(ms).map(([k, v]) => [k, Math.round((v / Math.max(1, n)) * 1000) / 1000]),
      );
    const stats = (await (await fetch(`${stack.psp.url}/_stats`)).json()) as {
      received: { charges: number };
    };

    const ratio = Math.round((orders.perS / Math.max(1, koa.perS)) * 1000) / 1000;
    const floorRatio = Math.round((least.perS / Math.max(1, koa.perS)) * 1000) / 1000;
    console.log(
      JSON.stringify({
        bench: 'orders',
        connections: CONNECTIONS,
        warmup_s: WARMUP_S,
        duration_s: DURATION_S,
        orders_per_s: orders.perS,
        p50_ms: orders.p50Ms,
        p99_ms: orders.p99Ms,
        errors: orders.errors,
        status_codes: orders.statusCodes,
        psp_charges_total: stats.received.charges,
        bare_koa_per_s: koa.perS,
        bare_koa_p50_ms: koa.p50Ms,
        bare_koa_p99_ms: koa.p99Ms,
        bare_koa_errors: koa.errors,
        ratio_to_bare_koa: ratio,
        floor: {
          what: 'token + body + charge (keep-alive HTTP, breaker) + one XADD; no actors, mailboxes, replies or read models',
          orders_per_s: least.perS,
          p50_ms: least.p50Ms,
          p99_ms: least.p99Ms,
          errors: least.errors,
          ratio_to_bare_koa: floorRatio,
          cpu_ms_per_order: per(floorMs, least.created),
          store_vs_floor: Math.round((orders.perS / Math.max(1, least.perS)) * 1000) / 1000,
        },
        goal_within_reach_here: floorRatio >= GOAL_RATIO,
        cpu_ms_per_order: per(storeMs, orders.created),
        cpu_ms_per_bare_request: per(koaMs, koa.perS * DURATION_S),
        redis_commands_per_order: cmds,
        idle_baseline: {
          store_cpu_ms_per_s: Math.round(idleMs.store! / IDLE_S),
          redis_cpu_ms_per_s: Math.round(idleMs.redis! / IDLE_S),
          redis_commands_per_s: Math.round(idleCmdsPerS),
        },
        net_of_idle: {
          redis_commands_per_order: netCmdsPerOrder,
          store_cpu_ms_per_order: Math.round(netStoreCpuMs * 1000) / 1000,
          store_cpu_vs_bare_koa: Math.round(
            netStoreCpuMs / Math.max(0.001, koaMs.server! / Math.max(1, koa.perS * DURATION_S)),
          ),
        },
        goal: { ratio_to_bare_koa: `>= ${GOAL_RATIO}`, errors: 0 },
        pass: ratio >= GOAL_RATIO && orders.errors === 0,
        setup: {
          store: 'one process, --roles all, PSP_URL = local HTTP provider (own process), redis AOF everysec',
          shards: stack.env().SHARDS,
          idempotency_key: 'none (each request a new order)',
          ...protections(),
        },
      }),
    );
  } finally {
    await bare.stop();
    await floor.stop();
    await stack.stop();
    await killAll();
  }
}

await main();
