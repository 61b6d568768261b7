/**
 * What every store benchmark starts: a private redis-server (AOF on, `everysec`, like the
 * embedded default), the payment provider as a fast local HTTP server in its own process, and
 * store processes (the built bin) pointed at both. `stop()` stops everything it started.
 */
import { randomBytes } from 'node:crypto';
import { RedisServer } from '../../test/support/redis-server.js';
import { startScript, startStore, type BenchProcess } from './child.js';

/** Raised far above the benchmark's load so they never reject it (reported in every JSON line). */
export const RATE_LIMIT_PER_MINUTE = 10_000_000;
export const OVERLOAD_LAG = 100_000_000;

export const num = (name: string, dflt: number): number => {
  const raw = process.env[name];
  return raw === undefined || raw === '' ? dflt : Number(raw);
};

export interface StoreStack {
  readonly redis: RedisServer;
  readonly psp: BenchProcess;
  readonly prefix: string;
  /** The environment every store process of this stack gets (plus `extra`). */
  env(extra?: Record<string, string>): Record<string, string>;
  /** Start one store process with `roles` and wait for /readyz. */
  store(roles: string, extra?: Record<string, string>): Promise<BenchProcess>;
  stop(): Promise<void>;
}

export async function startStack(): Promise<StoreStack> {
  const redis = await RedisServer.start({ appendonly: true, appendfsync: 'everysec' });
  const psp = await startScript('psp-main');
  const prefix = `bench${randomBytes(3).toString('hex')}`;
  const stores: BenchProcess[] = [];
  const env = (extra: Record<string, string> = {}): Record<string, string> => ({
    REDIS_URL: redis.url,
    KEY_PREFIX: prefix,
    PSP_URL: psp.url,
    AUTH_MODE: 'dev',
    LOG_LEVEL: 'warn',
    SHARDS: String(num('SHARDS', 16)),
    EVENT_SHARDS: String(num('EVENT_SHARDS', 16)),
    RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT_PER_MINUTE),
    OVERLOAD_LAG: String(OVERLOAD_LAG),
    ...extra,
  });
  return {
    redis,
    psp,
    prefix,
    env,
    async store(roles, extra = {}) {
      const s = await startStore(roles, env(extra));
      stores.push(s);
      return s;
    },
    async stop() {
      await Promise.all(stores.map((s) => s.stop()));
      await psp.stop();
      await redis.stop();
    },
  };
}

/** The settings every JSON line reports, so a reader knows nothing rejected the load. */
export function protections(): Record<string, number | string> {
  return {
    rate_limit_per_minute: RATE_LIMIT_PER_MINUTE,
    overload_lag: OVERLOAD_LAG,
    note: 'RATE_LIMIT_PER_MINUTE and OVERLOAD_LAG raised so the rate limit and load shedding never reject the benchmark',
  };
}

/** p-th percentile (0..100) of samples (sorted in place). */
export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return 0;
  samples.sort((a, b) => a - b);
  const i = Math.min(samples.length - 1, Math.max(0, Math.ceil((p / 100) * samples.length) - 1));
  return samples[i]!;
}

export const round1 = (n: number): number => Math.round(n * 10) / 10;
