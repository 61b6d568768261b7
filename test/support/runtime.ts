import pino from 'pino';
import { Registry } from 'prom-client';
import { Redis } from 'ioredis';
import { ActorRuntime, type RuntimeOptions } from '../../streams/index.js';
import { GroupReaders } from '../../streams/group-reader.js';
import { Keys } from '../../streams/keys.js';
import { runtimeMetrics } from '../../streams/metrics.js';
import type { GroupReader } from '../../streams/group-reader.js';
import { RateLimitedLog } from '../../streams/log.js';
import { ShardReader } from '../../streams/shard-reader.js';
import type { RunnerEnv, RunnerSettings, Unit } from '../../streams/unit.js';
import { onRunEnd, sharedRedis, uniquePrefix } from './hooks.js';

export const silentLog = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

/** A runtime on the run's shared redis-server with its own key prefix. */
export async function testRuntime(
  over: Partial<RuntimeOptions> & { prefix?: string; url?: string } = {},
): Promise<{ rt: ActorRuntime; redis: Redis; prefix: string }> {
  const url = over.url ?? (await sharedRedis()).url;
  const redis = new Redis(url, { enableAutoPipelining: true, maxRetriesPerRequest: 20 });
  onRunEnd(() => Promise.resolve(redis.disconnect()));
  const prefix = over.prefix ?? uniquePrefix();
  const rt = new ActorRuntime(testRuntimeOptions(redis, prefix, over));
  return { rt, redis, prefix };
}

/** The options the runtime tests share: small shards, a 1 s lease, quick blocking reads, silent logs. */
export function testRuntimeOptions(
  redis: RuntimeOptions['redis'],
  prefix: string,
  over: Partial<RuntimeOptions> = {},
): RuntimeOptions {
  return {
    redis,
    keyPrefix: prefix,
    shards: 4,
    eventShards: 4,
    leaseTtlMs: 1000,
    batchSize: 100,
    blockMs: 200,
    maxDeliveries: 3,
    seenRetentionMs: 60_000,
    log: silentLog,
    registry: new Registry(),
    actorTypes: ['seq', 'sink'],
    subscriberNames: ['rec'],
    ...over,
  };
}

/** What a runtime gives its shard loops, built alone for tests of one part (silent logs, fresh metrics). */
export function testRunnerEnv(redis: Redis, prefix: string, settings: RunnerSettings): RunnerEnv {
  return {
    redis,
    keys: new Keys(prefix),
    settings,
    metrics: runtimeMetrics(new Registry()),
    log: silentLog,
    readers: new GroupReaders(redis, settings.blockMs),
  };
}

/**
 * A shard's reader as its runner makes it (epoch 7, silent logs), alone or reading new entries
 * through `group`; dropped at the end of the run.
 */
export function testShardReader(
  env: RunnerEnv,
  unit: Unit,
  o: { readonly signal?: AbortSignal; readonly group?: GroupReader | null } = {},
): ShardReader {
  const reader = new ShardReader(
    env,
    unit,
    7,
    new RateLimitedLog(silentLog, 10_000),
    o.signal ?? new AbortController().signal,
    () => false,
    o.group ?? null,
  );
  onRunEnd(() => Promise.resolve(reader.drop()));
  return reader;
}
