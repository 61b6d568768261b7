/**
 * What the runtime benches share: preloading `acc` mailboxes behind a gate, starting actor worker
 * processes, waiting for a settled shard assignment, opening the gate, and measuring the run.
 *
 * The gate: the consumer groups are created at the END of the preloaded mailboxes, so workers see
 * nothing; once every worker holds its shards, `XGROUP SETID … 0` on each mailbox opens it and one
 * last message per shard wakes the blocked readers. So a multi-worker run is measured with the
 * assignment settled and without a load generator competing for the two cores.
 */
import { Cluster, Redis } from 'ioredis';
import { encode, envelope } from '../../streams/codec.js';
import { Keys } from '../../streams/keys.js';
import { rendezvousOwner } from '../../streams/hash.js';
import { Router } from '../../streams/router.js';
import { waitFor } from '../../test/support/processes.js';
import { procCpuSeconds, startChild, type BenchChild, type WorkerStats } from './child.js';

export type BenchRedis = Redis | Cluster;

export interface LoadShape {
  readonly prefix: string;
  readonly shards: number;
  readonly messages: number;
  readonly keys: number;
}

export interface RunResult {
  readonly perS: number;
  readonly ms: number;
  /** Handler start → commit reply over all workers' samples (the worst worker's percentile). */
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly peakRssMb: number;
  /** CPU seconds per 1000 messages: workers, and the Redis server process(es). */
  readonly workerCpuMsPerK: number;
  readonly redisCpuMsPerK: number;
}

const CHUNK = 2000;

function mailboxes(s: LoadShape, type: string): string[] {
  const keys = new Keys(s.prefix);
  return Array.from({ length: s.shards }, (_, i) => keys.mailbox(type, i));
}

/** Create the group at the stream's end (XGROUP CREATE … $): entries before it stay unseen. */
async function closedGroup(redis: BenchRedis, stream: string, group: string): Promise<void> {
  try {
    await redis.call('XGROUP', 'CREATE', stream, group, '$', 'MKSTREAM');
  } catch (err) {
    if (!(err instanceof Error && err.message.includes('BUSYGROUP'))) throw err;
    await redis.call('XGROUP', 'SETID', stream, group, '$');
  }
}

/**
 * `messages - shards` Add messages over `keys` keys into the acc mailboxes, behind closed groups
 * (the last message of each shard comes with `openGate`). Pipelined per mailbox (a cluster
 * pipeline must stay in one slot).
 */
export async function preloadGated(redis: BenchRedis, s: LoadShape): Promise<void> {
  const router = new Router(new Keys(s.prefix), s.shards, 1);
  for (const t of ['acc', 'fwd']) for (const b of mailboxes(s, t)) await closedGroup(redis, b, t);
  const now = Date.now();
  const byBox = new Map<string, string[]>();
  const flush = async (box: string, list: string[]) => {
    const p = redis.pipeline();
    for (const m of list) p.xadd(box, '*', 'm', m);
    await p.exec();
  };
  for (let i = 0; i < s.messages - s.shards; i++) {
    const key = `k${i % s.keys}`;
    const box = router.mailbox({ type: 'acc', key });
    const list = byBox.get(box) ?? [];
    list.push(encode(envelope(key, { type: 'Add', data: { v: i } }, now)));
    byBox.set(box, list);
    if (list.length >= CHUNK) {
      await flush(box, list);
      byBox.set(box, []);
    }
  }
  for (const [box, list] of byBox) if (list.length > 0) await flush(box, list);
  // Close the gate behind the preload ('$' of an empty stream is 0-0: it must be set now).
  for (const b of mailboxes(s, 'acc')) await redis.call('XGROUP', 'SETID', b, 'acc', '$');
}

/** Open every acc mailbox from its start, then wake its reader with the shard's last message. */
export async function openGate(redis: BenchRedis, s: LoadShape): Promise<void> {
  const boxes = mailboxes(s, 'acc');
  await Promise.all(boxes.map((b) => redis.call('XGROUP', 'SETID', b, 'acc', '0')));
  // A key that routes to each shard (the router hashes keys), so the total stays `messages`.
  const router = new Router(new Keys(s.prefix), s.shards, 1);
  const need = new Set(boxes);
  const now = Date.now();
  for (let i = 0; need.size > 0; i++) {
    const key = `k${i % s.keys}`;
    const box = router.mailbox({ type: 'acc', key });
    if (!need.delete(box)) continue;
    await redis.xadd(box, '*', 'm', encode(envelope(key, { type: 'Add', data: { v: i } }, now)));
  }
}

/** How many of the `acc` shards rendezvous hashing gives each of `ids`, in the order of `ids`. */
function shareOf(ids: readonly string[], shards: number): number[] {
  const counts = ids.map(() => 0);
  for (let s = 0; s < shards; s++) counts[ids.indexOf(rendezvousOwner(ids, 'acc', s) ?? '')]! += 1;
  return counts;
}

/**
 * Process ids whose rendezvous assignment of the `acc` shards is as even as possible, so the scale
 * bench measures what more processes can do and not how evenly 16 shards happen to fall over a few
 * random ids (rendezvous over 4 members and 16 shards is uneven by chance, e.g. 2/3/5/6).
 */
export function evenIds(n: number, shards: number): string[] {
  let best: string[] = [];
  let bestMax = Infinity;
  for (let t = 0; t < 2000 && bestMax > Math.ceil(shards / n); t++) {
    const ids = Array.from({ length: n }, (_, i) => `bench-${t}-w${i}`);
    const share = shareOf(ids, shards);
    const max = share.includes(0) ? Infinity : Math.max(...share);
    if (max < bestMax || best.length === 0) {
      best = ids;
      bestMax = max;
    }
  }
  return best;
}

/** The `acc` shards each of the `n` workers of `evenIds(n, shards)` owns once the assignment settles. */
export const expectedOwned = (n: number, shards: number): number[] => shareOf(evenIds(n, shards), shards);

/** Start `n` actor workers at once; resolves when each has started its runtime. */
export function startWorkers(n: number, env: Record<string, string>): Promise<BenchChild[]> {
  const ids = evenIds(n, Number(env.SHARDS ?? 16));
  return Promise.all(ids.map((id) => startChild('actor-worker', { ...env, PROCESS_ID: id })));
}

/**
 * Every shard owned, and the same owners for a second in a row; with `expected`, each worker owns
 * exactly its share of the assignment (a hand-over from the first worker up to the others takes
 * ownership rounds of TTL/8 each: a second of "no change" is not enough on its own, and a scale
 * run once started with 0/16). Resolves to the shards each worker owns.
 */
export async function waitSettled(
  workers: readonly BenchChild[],
  shards: number,
  expected?: readonly number[],
): Promise<number[]> {
  let since = 0;
  let prev = '';
  let owned: number[] = [];
  await waitFor(
    async () => {
      owned = await Promise.all(workers.map(async (w) => (await w.stats()).extra?.owned ?? 0));
      const now = owned.join(',');
      const ok =
        owned.reduce((a, b) => a + b, 0) === shards &&
        now === prev &&
        (expected === undefined || now === expected.join(','));
      prev = now;
      if (!ok) since = 0;
      else if (since === 0) since = Date.now();
      return ok && Date.now() - since >= 1000;
    },
    { timeoutMs: 120_000, intervalMs: 100, what: `${shards} shards settled over ${workers.length} workers` },
  );
  return owned;
}

/**
 * Wait until the workers together committed `n` messages; the rate runs from the first handler
 * start to the last commit over all workers. `redisPids` are charged for Redis CPU.
 */
export async function measure(
  workers: readonly BenchChild[],
  n: number,
  redisPids: readonly (number | undefined)[],
  timeoutMs = 900_000,
): Promise<RunResult> {
  const cpu0 = workers.map((w) => w.cpuSeconds());
  const rcpu0 = redisPids.map((p) => procCpuSeconds(p));
  await waitFor(
    async () => {
      const all = await Promise.all(workers.map((w) => w.stats()));
      return all.reduce((a, s) => a + s.done, 0) >= n;
    },
    { timeoutMs, intervalMs: 200, what: `${n} messages committed` },
  );
  const workerCpu = workers.reduce((a, w, i) => a + w.cpuSeconds() - (cpu0[i] ?? 0), 0);
  const redisCpu = redisPids.reduce<number>((a, p, i) => a + procCpuSeconds(p) - (rcpu0[i] ?? 0), 0);
  const stats: WorkerStats[] = await Promise.all(workers.map((w) => w.stats(true)));
  const first = Math.min(...stats.filter((s) => s.firstAt > 0).map((s) => s.firstAt));
  const last = Math.max(...stats.map((s) => s.lastAt));
  const ms = Math.max(1, last - first);
  const perK = (sec: number) => round((sec * 1e6) / n); // CPU ms per 1000 messages
  return {
    perS: Math.round((n / ms) * 1000),
    ms,
    p50Ms: round(Math.max(...stats.map((s) => s.p50Ms ?? 0))),
    p99Ms: round(Math.max(...stats.map((s) => s.p99Ms ?? 0))),
    peakRssMb: Math.max(...workers.map((w) => w.peakRssMb())),
    workerCpuMsPerK: perK(workerCpu),
    redisCpuMsPerK: perK(redisCpu),
  };
}

/** Total entries in the fwd mailboxes (each committed acc message relays one). */
export async function forwarded(redis: BenchRedis, s: LoadShape): Promise<number> {
  let total = 0;
  for (const b of mailboxes(s, 'fwd')) total += await redis.xlen(b);
  return total;
}

export const round = (x: number) => Math.round(x * 100) / 100;

/** A numeric knob from the environment. */
export const num = (name: string, d: number) => (process.env[name] ? Number(process.env[name]) : d);

/** Where the workers connect: a redis-server, or a cluster's nodes. */
export interface Target {
  readonly env: Record<string, string>;
  readonly client: BenchRedis;
  /** redis-server processes charged for Redis CPU. */
  readonly pids: readonly (number | undefined)[];
}

/**
 * One measured run: preload behind the gate, start `workers` processes, wait for the assignment
 * to settle, open the gate, measure, stop the workers.
 */
export async function runActors(
  target: Target,
  shape: LoadShape,
  workers: number,
  env: Record<string, string> = {},
): Promise<RunResult & { readonly owned: readonly number[] }> {
  await preloadGated(target.client, shape);
  const ws = await startWorkers(workers, {
    ...target.env,
    KEY_PREFIX: shape.prefix,
    SHARDS: String(shape.shards),
    ...env,
  });
  try {
    const owned = await waitSettled(ws, shape.shards, expectedOwned(workers, shape.shards));
    await openGate(target.client, shape);
    return { ...(await measure(ws, shape.messages, target.pids)), owned };
  } finally {
    await Promise.all(ws.map((w) => w.stop()));
  }
}
