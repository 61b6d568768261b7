import type { Logger } from 'pino';
import type { AdminPort } from './ports.js';

/**
 * The order mailboxes' backlog, cached for `ttlMs` so load shedding costs no Redis call per
 * request; concurrent callers share one lookup. When the lookup fails the last value is kept:
 * shedding is protection, not a reason to refuse orders.
 */
export function cachedBacklog(admin: AdminPort, logger: Logger, ttlMs = 1000): () => Promise<number> {
  let value = 0;
  let at = Number.NEGATIVE_INFINITY;
  let inflight: Promise<number> | null = null;
  return () => {
    if (Date.now() - at < ttlMs) return Promise.resolve(value);
    inflight ??= admin
      .orderBacklog()
      .then(
        (v) => {
          value = v;
          return v;
        },
        (err: unknown) => {
          logger.warn({ err }, 'order backlog unknown; not shedding');
          return value;
        },
      )
      .finally(() => {
        at = Date.now();
        inflight = null;
      });
    return inflight;
  };
}
