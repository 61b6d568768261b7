/**
 * The actor side of the runtime benches, as its own process: an `acc` actor whose handler updates
 * its state and sends one message on to a `fwd` actor. With FWD_RUN=1 the `fwd` actor runs here
 * too (it updates its state and sends nothing), so every stream is consumed and trimmed (the soak);
 * otherwise `fwd` mailboxes just receive the forwarded messages.
 *
 * Every committed message is counted and timed, handler start → the commit script's reply, by
 * wrapping the commit script (so EVALSHA and its EVAL fallback both count). `/stats` also tells the
 * shards this process owns, for the parent to wait for a settled assignment.
 */
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { Registry } from 'prom-client';
import {
  ActorRuntime,
  connectRedis,
  type ActorBehavior,
  type Handled,
  type Message,
} from '../../streams/index.js';
import { scripts } from '../../streams/scripts.js';
import { percentile, serveStats } from './child.js';

const env = process.env;
const num = (name: string, d: number) => (env[name] ? Number(env[name]) : d);
/** Latency samples kept (a ring: the soak runs far more messages than this). */
const SAMPLES = 1_000_000;

interface Acc {
  readonly n: number;
  readonly sum: number;
}

const starts = new Map<string, number>();
const latencies = new Float64Array(SAMPLES);
let done = 0;
let firstAt = 0;
let lastAt = 0;

function started(messageId: string): void {
  if (firstAt === 0) firstAt = Date.now();
  starts.set(messageId, performance.now());
}

const acc: ActorBehavior<Acc, Message> = {
  name: 'acc',
  initialState: () => ({ n: 0, sum: 0 }),
  decode: (m) => m,
  handle(s, msg, ctx): Handled<Acc> {
    started(ctx.messageId);
    const v = (msg.data as { v: number }).v;
    return {
      state: { n: s.n + 1, sum: s.sum + v },
      send: [{ to: { type: 'fwd', key: ctx.key }, msg: { type: 'Fwd', data: { v } } }],
    };
  },
};

const fwd: ActorBehavior<Acc, Message> = {
  name: 'fwd',
  initialState: () => ({ n: 0, sum: 0 }),
  decode: (m) => m,
  handle(s, msg, ctx): Handled<Acc> {
    started(ctx.messageId);
    return { state: { n: s.n + 1, sum: s.sum + (msg.data as { v: number }).v } };
  },
};

const clusterNodes = env.REDIS_CLUSTER_NODES
  ? env.REDIS_CLUSTER_NODES.split(',').map((hp) => {
      const [host, port] = hp.split(':');
      return { host: host ?? '127.0.0.1', port: Number(port) };
    })
  : null;
const redis = connectRedis({ url: env.REDIS_URL ?? null, clusterNodes }, 'bench-actor');
redis.on('error', () => undefined);

// ARGV of the commit script: group, epoch, now, cut-off, count, mode, cap, then the ops
// (streams/lua/commit-n.lua).
const commit = scripts.commit;
const run = commit.run.bind(commit);
commit.run = async (client, keys, args) => {
  const result: unknown = await run(client, keys, args);
  const reply = result;
  if (!Array.isArray(reply) || reply[0] !== 'OK') return result;
  const now = performance.now();
  const statuses = reply[1] as unknown[];
  let i = 7;
  for (let m = 0; m < statuses.length; m++) {
    const kind = args[i];
    const msgId = String(args[i + 2]);
    if (kind === 'C') {
      i += 6 + 2 * Number(args[i + 5]);
      i += 1 + 2 * Number(args[i]);
    } else {
      i += 5;
    }
    const t0 = starts.get(msgId);
    if (t0 === undefined || statuses[m] !== 'C') continue;
    starts.delete(msgId);
    latencies[done % SAMPLES] = now - t0;
    done++;
  }
  lastAt = Date.now();
  return result;
};

const fwdRuns = env.FWD_RUN === '1';
const rt = new ActorRuntime({
  redis,
  keyPrefix: env.KEY_PREFIX ?? 'bench',
  shards: num('SHARDS', 16),
  eventShards: 1,
  leaseTtlMs: num('LEASE_TTL_MS', 10_000),
  batchSize: num('BATCH_SIZE', 100),
  blockMs: num('BLOCK_MS', 1000),
  maxDeliveries: 5,
  seenRetentionMs: num('SEEN_RETENTION_MS', 600_000),
  log: pino({ level: 'warn' }, pino.destination(2)),
  registry: new Registry(),
  actorTypes: ['acc', 'fwd'],
  subscriberNames: [],
  processId: env.PROCESS_ID ?? `bench-actor-${process.pid}`,
});
rt.actor(acc);
if (fwdRuns) rt.actor(fwd);

await serveStats((final) => {
  const extra = {
    owned: rt.ownedUnits().length,
    heapMb: Math.round(process.memoryUsage().heapUsed / 2 ** 20),
  };
  if (!final) return { done, firstAt, lastAt, extra };
  const sample = latencies.subarray(0, Math.min(done, SAMPLES));
  return { done, firstAt, lastAt, extra, p50Ms: percentile(sample, 50), p99Ms: percentile(sample, 99) };
});
await rt.start({ requests: false });
process.stdout.write('ready\n');

process.once('SIGTERM', () => {
  void rt.stop().then(() => {
    redis.disconnect();
    process.exit(0);
  });
});
