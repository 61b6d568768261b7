/**
 * Where an order's CPU goes: the load of `bench:orders` (autocannon, 50 connections, `POST /orders`
 * with the synchronous payment), with the store split into one process per role group
 * (`ROLE_GROUPS`, default `edge|order,payment|store,delivery|projector|notifier`), and the CPU
 * time of each process, of redis-server and of the payment provider divided by the orders taken.
 * Each process's figure includes its own background work (ownership rounds, lag gauges).
 *
 * Prints one JSON line. Knobs (env): WARMUP_SECONDS (3), DURATION_SECONDS (10), CONNECTIONS (50),
 * ROLE_GROUPS. Not part of `npm run bench`: it explains the orders figure, it is not a goal.
 */
import autocannon from 'autocannon';
import { killAll } from '../test/support/processes.js';
import { StoreClient } from '../test/support/store-process.js';
import { cpuMeter } from './store/cpu.js';
import { num, protections, startStack, type StoreStack } from './store/stack.js';
import type { BenchProcess } from './store/child.js';

const ORDER = JSON.stringify({
  productId: 'wm-100',
  quantity: 1,
  paymentToken: 'tok_visa',
  address: '1 Bench Street',
});

async function load(
  url: string,
  token: string,
  seconds: number,
): Promise<{ created: number; seconds: number }> {
  const r = await autocannon({
    url: `${url}/orders`,
    connections: num('CONNECTIONS', 50),
    duration: seconds,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: ORDER,
  });
  return { created: r.statusCodeStats['201']?.count ?? 0, seconds: r.duration };
}

async function startGroups(stack: StoreStack, groups: string[]): Promise<Map<string, BenchProcess>> {
  const procs = new Map<string, BenchProcess>();
  for (const roles of groups) procs.set(roles, await stack.store(roles));
  return procs;
}

async function main(): Promise<void> {
  const groups = (process.env.ROLE_GROUPS ?? 'edge|order,payment|store,delivery|projector|notifier').split(
    '|',
  );
  const edgeGroup = groups.find((g) => g.split(',').includes('edge'));
  if (!edgeGroup) throw new Error('ROLE_GROUPS must give one group the edge role');
  const stack = await startStack();
  try {
    const procs = await startGroups(stack, groups);
    const edge = procs.get(edgeGroup)!;
    const token = await new StoreClient(edge.url).token('bench-customer', 'customer');
    await load(edge.url, token, num('WARMUP_SECONDS', 3));
    const meter = cpuMeter({
      ...Object.fromEntries([...procs].map(([roles, p]) => [roles, p.pid])),
      redis: stack.redis.pid ?? 0,
      psp: stack.psp.pid,
    });
    const run = await load(edge.url, token, num('DURATION_SECONDS', 10));
    const ms = meter.stop();
    const perOrder = Object.fromEntries(
      Object.entries(ms).map(([k, v]) => [k, Math.round((v / Math.max(1, run.created)) * 1000) / 1000]),
    );
    const total = Object.values(perOrder).reduce((a, b) => a + b, 0);
    console.log(
      JSON.stringify({
        bench: 'orders-by-role',
        orders_per_s: Math.round(run.created / run.seconds),
        cpu_ms_per_order: perOrder,
        cpu_ms_per_order_total: Math.round(total * 1000) / 1000,
        setup: { role_groups: groups, shards: stack.env().SHARDS, ...protections() },
      }),
    );
  } finally {
    await stack.stop();
    await killAll();
  }
}

await main();
