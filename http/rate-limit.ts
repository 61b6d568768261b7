import { createHash } from 'node:crypto';
import type { Middleware } from 'koa';
import type { Cluster, Redis } from 'ioredis';
import type { Logger } from 'pino';
import { within } from '../streams/deadline.js';
import { edgeState } from './context.js';
import { RateLimitedError } from './errors.js';
import { RATE_LIMIT_LUA } from './rate-limit-lua.js';

const WINDOW_MS = 60_000;
/** The count may take this long; after it (Redis frozen or away) the request goes on uncounted. */
const COUNT_DEADLINE_MS = 500;
const SHA = createHash('sha1').update(RATE_LIMIT_LUA).digest('hex');

export interface RateLimitOptions {
  readonly redis: Redis | Cluster;
  readonly keyPrefix: string;
  readonly perMinute: number;
  readonly logger: Logger;
}

/** Count one request of `key` in the current window; returns the count and ms left. */
async function hit(redis: Redis | Cluster, key: string): Promise<[number, number]> {
  let reply: unknown;
  try {
    reply = await redis.evalsha(SHA, 1, key, WINDOW_MS);
  } catch (err) {
    if (!String((err as Error).message).startsWith('NOSCRIPT')) throw err;
    reply = await redis.eval(RATE_LIMIT_LUA, 1, key, WINDOW_MS);
  }
  const [count, ttl] = reply as [number, number];
  return [count, ttl];
}

/** `hit`, or null when Redis is not connected or has not answered within COUNT_DEADLINE_MS. */
function hitSoon(redis: Redis | Cluster, key: string): Promise<[number, number] | null> {
  if (redis.status !== 'ready') return Promise.resolve(null);
  return within<[number, number] | null>(hit(redis, key), COUNT_DEADLINE_MS, () => null);
}

/**
 * Per-caller rate limit held in Redis (a fixed one-minute window), so every edge replica counts
 * against one budget. The caller is the verified token's `sub`, else the client IP. When Redis
 * does not answer (soon) the request is let through: limiting is protection, not a reason to fail
 * or to wait; the routes that need Redis answer for themselves (`store-guard.ts`).
 */
export function rateLimitMiddleware(opts: RateLimitOptions): Middleware {
  return async (ctx, next) => {
    const principal = edgeState(ctx).principal;
    const caller = principal ? `sub:${principal.sub}` : `ip:${ctx.ip}`;
    const window = Math.floor(Date.now() / WINDOW_MS);
    let result: [number, number] | null = null;
    try {
      result = await hitSoon(opts.redis, `${opts.keyPrefix}:rl:${caller}:${window}`);
    } catch (err) {
      opts.logger.warn({ err, reqId: edgeState(ctx).requestId }, 'rate limit skipped: redis did not answer');
    }
    if (result) {
      const [count, ttl] = result;
      ctx.set('RateLimit-Limit', String(opts.perMinute));
      ctx.set('RateLimit-Remaining', String(Math.max(0, opts.perMinute - count)));
      if (count > opts.perMinute) {
        throw new RateLimitedError(
          ttl / 1000,
          `at most ${opts.perMinute} requests per minute; retry after the window`,
        );
      }
    }
    await next();
  };
}
