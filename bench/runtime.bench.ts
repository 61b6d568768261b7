/**
 * `npm run bench:runtime`: actor messages/s against BullMQ jobs/s, side by side in one run on one
 * private redis-server (these machines are noisy: only figures of the same run compare).
 *
 * Actor: MESSAGES `Add` messages over KEYS keys preloaded into the `acc` mailboxes (behind the gate
 * of support/actor-load.ts), ONE worker process; its handler updates the key's state and sends one
 * message on to a `fwd` actor (not run: the relay of each forwarded message is counted, its
 * handling is not). Full commit path: one Lua commit (state + outbox + dedupe + ack) per batch,
 * then the outbox relay. Rate: first handler start to last commit.
 *
 * BullMQ: as many no-op jobs preloaded with addBulk, ONE worker process, concurrency 50, completed
 * jobs removed; rate: first job taken to last completion.
 *
 * Besides the rates, CPU per 1000 messages of the worker process and of redis-server: CPU time
 * barely moves when the box is shared, so it shows where the difference comes from.
 *
 * Prints one JSON line. Knobs (env): MESSAGES, KEYS, SHARDS, BATCH_SIZE, BLOCK_MS, ONLY_ACTOR, BENCH_CPU_PROF
 * (a directory: the workers run with --cpu-prof).
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { killAll, waitFor } from '../test/support/processes.js';
import { RedisServer } from '../test/support/redis-server.js';
import {
  forwarded,
  measure,
  num,
  openGate,
  preloadGated,
  round,
  startWorkers,
  type RunResult,
} from './support/actor-load.js';
import { startChild } from './support/child.js';
import { commandsPer, redisCommands } from './store/cpu.js';

const MESSAGES = num('MESSAGES', 200_000);
const KEYS = num('KEYS', 10_000);
const SHARDS = num('SHARDS', 16);
const BATCH_SIZE = num('BATCH_SIZE', 100);
const BLOCK_MS = num('BLOCK_MS', 1000);
const CONCURRENCY = 50;
const GOAL = 3.0; // issue 5; the runtime issue's floor is 2.0

async function actorRun(
  server: RedisServer,
  redis: Redis,
): Promise<RunResult & { forwarded: number; commands: Record<string, number> }> {
  const shape = { prefix: 'bench-actor', shards: SHARDS, messages: MESSAGES, keys: KEYS };
  await preloadGated(redis, shape);
  const [w] = await startWorkers(1, {
    REDIS_URL: server.url,
    KEY_PREFIX: shape.prefix,
    SHARDS: String(SHARDS),
    BATCH_SIZE: String(BATCH_SIZE),
    BLOCK_MS: String(BLOCK_MS),
  });
  await waitFor(async () => (await w!.stats()).extra?.owned === SHARDS, {
    timeoutMs: 60_000,
    what: 'all shards owned',
  });
  const before = await redisCommands(server.url);
  await openGate(redis, shape);
  const m = await measure([w!], MESSAGES, [server.pid]);
  // Relays finish just after their commits: every forwarded message must have arrived.
  const fwd = await waitFor(
    async () => {
      const n = await forwarded(redis, shape);
      return n >= MESSAGES ? n : null;
    },
    { timeoutMs: 60_000, intervalMs: 100, what: 'every forwarded message relayed' },
  );
  const commands = commandsPer(before, await redisCommands(server.url), MESSAGES);
  await w!.stop();
  return { ...m, forwarded: fwd, commands };
}

async function bullmqRun(server: RedisServer): Promise<RunResult> {
  const prefix = 'bench-bull';
  const queue = new Queue('bench', { connection: { host: '127.0.0.1', port: server.port }, prefix });
  for (let from = 0; from < MESSAGES; from += 5000) {
    const n = Math.min(5000, MESSAGES - from);
    await queue.addBulk(Array.from({ length: n }, (_, j) => ({ name: 'noop', data: { v: from + j } })));
  }
  const w = await startChild('bullmq-worker', {
    REDIS_URL: server.url,
    KEY_PREFIX: prefix,
    QUEUE: 'bench',
    CONCURRENCY: String(CONCURRENCY),
  });
  const m = await measure([w], MESSAGES, [server.pid]);
  await w.stop();
  await queue.close();
  return m;
}

const server = await RedisServer.start();
const redis = new Redis(server.port, '127.0.0.1');
try {
  const actor = await actorRun(server, redis);
  await redis.flushall();
  // ONLY_ACTOR=1: the actor side alone (profiling, A/B of a change); the ratio is then meaningless.
  const bull = process.env.ONLY_ACTOR === '1' ? actor : await bullmqRun(server);
  const ratio = round(actor.perS / bull.perS);
  const result = {
    bench: 'runtime',
    actor_msgs_per_s: actor.perS,
    bullmq_jobs_per_s: bull.perS,
    ratio_vs_bullmq: ratio,
    goal: `ratio_vs_bullmq >= ${GOAL} (floor 2.0)`,
    pass: ratio >= GOAL,
    floor_pass: ratio >= 2.0,
    handler_to_commit_p50_ms: actor.p50Ms,
    handler_to_commit_p99_ms: actor.p99Ms,
    worker_peak_rss_mb: actor.peakRssMb,
    bullmq_worker_peak_rss_mb: bull.peakRssMb,
    actor_cpu_ms_per_1k: { worker: actor.workerCpuMsPerK, redis: actor.redisCpuMsPerK },
    bullmq_cpu_ms_per_1k: { worker: bull.workerCpuMsPerK, redis: bull.redisCpuMsPerK },
    cpu_ratio_vs_bullmq: round(
      (bull.workerCpuMsPerK + bull.redisCpuMsPerK) / (actor.workerCpuMsPerK + actor.redisCpuMsPerK),
    ),
    actor_redis_calls_per_msg: actor.commands,
    messages: MESSAGES,
    keys: KEYS,
    forwarded: actor.forwarded,
    actor_ms: actor.ms,
    bullmq_ms: bull.ms,
    shards: SHARDS,
    batch_size: BATCH_SIZE,
    bullmq_concurrency: CONCURRENCY,
    counted: 'acc handling + commit + relay of 1 forwarded message each; fwd handling not run',
    redis_aof: false,
    node: process.version,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  redis.disconnect();
  await server.stop();
  await killAll();
}
