/**
 * `npm run bench:durability`: what `appendfsync always` costs. The runtime bench's load (one
 * worker, MESSAGES over KEYS keys, full commit path) against two private redis-servers with AOF
 * on, one with `appendfsync everysec` and one with `always`, in one run; each setting is run
 * ROUNDS times, alternating, and the best run of each compared (the box is shared: the best run
 * is the one least disturbed by others).
 *
 * Why the ratio can stay high: a commit is one Lua call per batch, so `always` costs one fsync per
 * batch (and Redis folds the writes of all clients of one event-loop turn into one fsync), not one
 * per message.
 *
 * Prints one JSON line. Knobs (env): MESSAGES (default 100000), KEYS, SHARDS, BATCH_SIZE, ROUNDS (2).
 */
import { Redis } from 'ioredis';
import { killAll } from '../test/support/processes.js';
import { RedisServer } from '../test/support/redis-server.js';
import { num, round, runActors, type RunResult } from './support/actor-load.js';

const MESSAGES = num('MESSAGES', 100_000);
const KEYS = num('KEYS', 10_000);
const SHARDS = num('SHARDS', 16);
const BATCH_SIZE = num('BATCH_SIZE', 100);
const ROUNDS = num('ROUNDS', 2);
const GOAL = 0.6;

type Fsync = 'everysec' | 'always';

async function once(fsync: Fsync, round: number): Promise<RunResult> {
  const server = await RedisServer.start({ appendonly: true, appendfsync: fsync });
  const client = new Redis(server.port, '127.0.0.1');
  try {
    const shape = { prefix: `bench-dur-${fsync}-${round}`, shards: SHARDS, messages: MESSAGES, keys: KEYS };
    return await runActors({ env: { REDIS_URL: server.url }, client, pids: [server.pid] }, shape, 1, {
      BATCH_SIZE: String(BATCH_SIZE),
    });
  } finally {
    client.disconnect();
    await server.stop();
  }
}

const best = (rs: readonly RunResult[]) => rs.reduce((a, b) => (b.perS > a.perS ? b : a));

try {
  const runs: Record<Fsync, RunResult[]> = { everysec: [], always: [] };
  for (let r = 0; r < ROUNDS; r++) {
    for (const f of r % 2 === 0 ? (['everysec', 'always'] as const) : (['always', 'everysec'] as const)) {
      runs[f].push(await once(f, r));
    }
  }
  const e = best(runs.everysec);
  const a = best(runs.always);
  const ratio = round(a.perS / e.perS);
  const result = {
    bench: 'durability',
    everysec_msgs_per_s: e.perS,
    always_msgs_per_s: a.perS,
    ratio_always_vs_everysec: ratio,
    goal: `ratio_always_vs_everysec >= ${GOAL}`,
    pass: ratio >= GOAL,
    runs_msgs_per_s: { everysec: runs.everysec.map((x) => x.perS), always: runs.always.map((x) => x.perS) },
    p99_ms: { everysec: e.p99Ms, always: a.p99Ms },
    redis_cpu_ms_per_1k: { everysec: e.redisCpuMsPerK, always: a.redisCpuMsPerK },
    messages: MESSAGES,
    keys: KEYS,
    shards: SHARDS,
    batch_size: BATCH_SIZE,
    rounds: ROUNDS,
    node: process.version,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  await killAll();
}
