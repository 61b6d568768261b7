import type { Middleware } from 'koa';
import { StoppingError } from './errors.js';

/**
 * The edge's part of a graceful stop (SIGTERM). While it drains, the API requests already in
 * flight run to their real answers (an order being paid gets its 201, not an error while the
 * process stops under it), and new API requests get 503 `overloaded` with Retry-After and
 * `Connection: close`, so the client sends them again to another replica. The operations routes
 * go on answering (`/readyz` 503, `/metrics` for the last scrapes) until the process closes its
 * port at the very end of the stop.
 */
export interface Drain {
  /** Mount after the operations routes: it sees the API requests only. */
  readonly middleware: Middleware;
  begin(): void;
  /** Resolves once no API request is in flight (at once when none is). */
  idle(): Promise<void>;
}

export function createDrain(): Drain {
  let draining = false;
  let inflight = 0;
  let waiters: (() => void)[] = [];
  const wake = () => {
    if (inflight > 0) return;
    const woken = waiters;
    waiters = [];
    for (const w of woken) w();
  };
  return {
    middleware: async (ctx, next) => {
      if (draining) {
        ctx.set('Connection', 'close');
        throw new StoppingError(1, 'this process is stopping; send the request again');
      }
      inflight++;
      try {
        await next();
      } finally {
        inflight--;
        if (draining) wake();
      }
    },
    begin() {
      draining = true;
    },
    idle() {
      return new Promise((resolve) => {
        waiters.push(resolve);
        wake();
      });
    },
  };
}
