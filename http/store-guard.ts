import type { Context } from 'koa';
import { within } from '../streams/deadline.js';
import { edgeState } from './context.js';
import { OverloadedError, storeAwayError, storeLateError } from './errors.js';

/**
 * The guard of the routes that read or write the store's data (every API route but the public
 * ones). Without it a request made while Redis is away waits in ioredis's offline queue, across
 * reconnects, for minutes (measured: 125 to 233 s) before it fails: longer than any client or
 * ingress waits, and it holds the connection all that time. So:
 *
 * - while the connection to the route's data (Redis, or for the read-model routes the read
 *   models' store) has been down for `graceMs` or more, such a route answers 503 `overloaded` at
 *   once, before it sends anything (a shorter blip is ridden out by the queue);
 * - every such request answers within a deadline, also when Redis is up but answers nothing
 *   (frozen, or a partition the socket has not noticed yet): 503 `overloaded`. A step or an order
 *   may then still take effect (its command may already be in a mailbox), and the answer says so.
 */
export type Guard = (ctx: Context, work: () => Promise<void>) => Promise<void>;

export interface StoreGuardOptions {
  /** Whether the connection to the data is up, as its client last saw it (no I/O). */
  readonly connected: () => boolean;
  /** GET: how long a read may take. */
  readonly readDeadlineMs: number;
  /** POST: how long a command may take (more than the gateway's own request timeout). */
  readonly writeDeadlineMs: number;
  /** How long Redis may be away before requests are turned away at once. */
  readonly graceMs: number;
}

const RETRY_AFTER_S = 5;

/**
 * Since when the connection has been seen away (null while it is ready). Seen at requests, not
 * through the client's events: an edge adds no listeners to a client it shares. So the first
 * request after Redis went away waits (within its deadline) and starts the clock.
 */
function awayTracker(connected: () => boolean): () => number | null {
  let since: number | null = null;
  return () => {
    if (connected()) since = null;
    else since ??= Date.now();
    return since;
  };
}

export function storeGuard(opts: StoreGuardOptions): Guard {
  const awaySince = awayTracker(opts.connected);
  return async (ctx, work) => {
    const since = awaySince();
    if (since !== null && Date.now() - since >= opts.graceMs) {
      throw new OverloadedError(
        RETRY_AFTER_S,
        'the store cannot reach its data right now; nothing was done: try again shortly',
      );
    }
    const write = ctx.method !== 'GET' && ctx.method !== 'HEAD';
    const ms = write ? opts.writeDeadlineMs : opts.readDeadlineMs;
    // The handler sees it: an order is not sent to be placed once the answer may be a 503.
    edgeState(ctx).deadlineAt = Date.now() + ms;
    // The same answers as a late actor or an unreachable store give (problem.ts).
    await within(work(), ms, () => Promise.reject(write ? storeLateError() : storeAwayError()));
  };
}
