/**
 * A worker process for the runtime's multi-process tests: runs the sequence-checking actor (and
 * a sink), serves its metrics on METRICS_PORT, prints `ready <processId>` once started and drains
 * on SIGTERM. Configured by environment variables only.
 */
import { createServer } from 'node:http';
import pino from 'pino';
import { Registry } from 'prom-client';
import { ActorRuntime, connectRedis } from '../../streams/index.js';
import { seqActor } from './seq-actor.js';

const env = process.env;
const num = (name: string, d: number) => (env[name] ? Number(env[name]) : d);
const redis = connectRedis({
  url: env.REDIS_URL ?? null,
  clusterNodes: env.REDIS_CLUSTER_NODES
    ? env.REDIS_CLUSTER_NODES.split(',').map((hp) => ({
        host: hp.split(':')[0]!,
        port: Number(hp.split(':')[1]),
      }))
    : null,
});
redis.on('error', () => undefined); // reconnects on its own; the runtime logs what matters
const registry = new Registry();
const rt = new ActorRuntime({
  redis,
  keyPrefix: env.KEY_PREFIX ?? 'seqtest',
  shards: num('SHARDS', 8),
  eventShards: num('EVENT_SHARDS', 4),
  leaseTtlMs: num('LEASE_TTL_MS', 1000),
  batchSize: num('BATCH_SIZE', 100),
  blockMs: num('BLOCK_MS', 200),
  maxDeliveries: num('MAX_DELIVERIES', 3),
  seenRetentionMs: 600_000,
  log: pino({ level: env.LOG_LEVEL ?? 'warn' }, pino.destination(2)),
  registry,
  actorTypes: ['seq', 'sink'],
  subscriberNames: [],
  processId: env.PROCESS_ID,
});
rt.actor(seqActor('seq', 'sink'), 3).actor(seqActor('sink', 'sink'), 3);

const server = createServer((req, res) => {
  void registry.metrics().then((text) => {
    res.setHeader('content-type', registry.contentType);
    res.end(text);
  });
});
server.listen(num('METRICS_PORT', 0), '127.0.0.1');

await rt.start({ requests: false });
process.stdout.write(`ready ${rt.processId}\n`);

process.once('SIGTERM', () => {
  void rt.stop().then(() => {
    server.close();
    redis.disconnect();
    process.exit(0);
  });
});
