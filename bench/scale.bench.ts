/**
 * `npm run bench:scale`: the runtime bench's load with 1, 2 and 4 worker processes, on one private
 * redis-server and on a private 3-master Redis Cluster, in one run. Every run waits for the shard
 * assignment to settle before the preloaded mailboxes open (support/actor-load.ts), so it measures
 * steady throughput, not rebalancing.
 *
 * On a 2-core box the workers and the Redis processes share the same two cores: past the point
 * where they are saturated, more processes can only add contention. `cpu_ms_per_1k` (worker and
 * Redis CPU per 1000 messages) shows the cost per message, which is what the scaling model in
 * docs/performance.md uses to predict throughput on more cores.
 *
 * Prints one JSON line. Knobs (env): MESSAGES (per run, default 60000), KEYS, SHARDS (default 16),
 * SCALE_WORKERS (default "1,2,4"), SCALE_CLUSTER (default 1; 0 skips the cluster).
 */
import { Cluster, Redis } from 'ioredis';
import { killAll } from '../test/support/processes.js';
import { startPrivateRedisCluster } from '../test/support/redis-cluster.js';
import { RedisServer } from '../test/support/redis-server.js';
import { num, round, runActors, type Target } from './support/actor-load.js';

const MESSAGES = num('MESSAGES', 60_000);
const KEYS = num('KEYS', 10_000);
const SHARDS = num('SHARDS', 16);
const WORKERS = (process.env.SCALE_WORKERS ?? '1,2,4').split(',').map(Number);
const CLUSTER = num('SCALE_CLUSTER', 1) === 1;

interface Point {
  readonly workers: number;
  /** Shards each worker owned during the run. */
  readonly owned: readonly number[];
  readonly msgs_per_s: number;
  readonly p99_ms: number;
  readonly cpu_ms_per_1k: { readonly worker: number; readonly redis: number };
}

async function series(name: string, target: Target): Promise<Point[]> {
  const out: Point[] = [];
  for (const n of WORKERS) {
    const shape = { prefix: `bench-scale-${name}-${n}`, shards: SHARDS, messages: MESSAGES, keys: KEYS };
    const r = await runActors(target, shape, n);
    out.push({
      workers: n,
      owned: r.owned,
      msgs_per_s: r.perS,
      p99_ms: r.p99Ms,
      cpu_ms_per_1k: { worker: r.workerCpuMsPerK, redis: r.redisCpuMsPerK },
    });
  }
  return out;
}

/** Throughput of each point relative to the 1-worker point of its series. */
const speedup = (ps: readonly Point[]) => ps.map((p) => round(p.msgs_per_s / (ps[0]?.msgs_per_s ?? 1)));

try {
  const server = await RedisServer.start();
  const client = new Redis(server.port, '127.0.0.1');
  let single: Point[];
  try {
    single = await series('single', { env: { REDIS_URL: server.url }, client, pids: [server.pid] });
  } finally {
    client.disconnect();
    await server.stop();
  }
  let cluster: Point[] = [];
  if (CLUSTER) {
    const c = await startPrivateRedisCluster();
    const cc = new Cluster(c.masters.map((m) => ({ host: m.host, port: m.port })));
    try {
      const pids = c.masters.map((m) => c.server(m).pid);
      cluster = await series('cluster', { env: { REDIS_CLUSTER_NODES: c.nodesEnv }, client: cc, pids });
    } finally {
      cc.disconnect();
      await c.stop();
    }
  }
  const best1 = single[0]?.msgs_per_s ?? 0;
  const result = {
    bench: 'scale',
    single_redis: single,
    single_speedup: speedup(single),
    cluster_3_masters: cluster,
    cluster_speedup: speedup(cluster),
    cluster_vs_single_at_1_worker: cluster[0] ? round(cluster[0].msgs_per_s / best1) : null,
    goal: 'report honestly: on 2 cores, more worker processes may not add throughput (both cores already busy)',
    // No collapse when workers are added: no point below 60% of one worker on the same topology
    // (the box is noisy). The cluster is not held to the single node's rate: there the commit
    // keeps the outbox and its relay (destinations in other slots), and three redis-servers share
    // the two cores; `cluster_vs_single_at_1_worker` reports that gap.
    pass: [single, cluster].every((series) =>
      series.every((p) => p.msgs_per_s >= 0.6 * (series[0]?.msgs_per_s ?? 0)),
    ),
    cores: (await import('node:os')).availableParallelism(),
    messages_per_run: MESSAGES,
    keys: KEYS,
    shards: SHARDS,
    node: process.version,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  await killAll();
}
