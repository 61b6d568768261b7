import pRetry from 'p-retry';
import { isTerminal } from './errors.js';
import { abortableDelay } from './stream-io.js';

/** How a failed handler is retried. */
export interface RetryPolicy {
  /** Attempts in all, the first included; Infinity retries until success or a terminal error. */
  readonly maxAttempts: number;
  /** The back-off before attempt 2 is this × a random 1–2; each later one doubles, up to the max. */
  readonly firstBackoffMs: number;
  readonly maxBackoffMs: number;
}

/** What the retries came to: the handler's value, or the error to dead-letter the message with. */
export type RetryOutcome<T> = { readonly value: T } | { readonly failed: unknown };

/**
 * After a handler's first attempt failed with `first`: attempts 2..maxAttempts with jittered
 * exponential back-off. The first attempt runs bare in the callers (actors and subscribers), since
 * p-retry's machinery on every message cost several % of the CPU and almost every message succeeds
 * at once; p-retry takes over from the second. A terminal error is not retried. `onRetry` is
 * called before each retry (the `retried` metric). Rejects only when `signal` aborted: the shard
 * is going away, and the entry must stay pending.
 */
export async function retryAfter<T>(
  first: unknown,
  attempt: (n: number) => Promise<T>,
  policy: RetryPolicy,
  signal: AbortSignal,
  onRetry: () => void,
): Promise<RetryOutcome<T>> {
  if (signal.aborted) throw first;
  if (isTerminal(first) || policy.maxAttempts <= 1) return { failed: first };
  onRetry();
  try {
    // p-retry runs its first try at once: wait the first back-off step before it, so the delays
    // are those of p-retry over all attempts (minTimeout = firstBackoffMs, factor 2, randomized).
    const { maxAttempts, firstBackoffMs, maxBackoffMs } = policy;
    await abortableDelay(Math.min(firstBackoffMs * (1 + Math.random()), maxBackoffMs), signal);
    const value = await pRetry((n) => attempt(n + 1), {
      retries: maxAttempts === Infinity ? Infinity : maxAttempts - 2,
      minTimeout: 2 * firstBackoffMs,
      maxTimeout: maxBackoffMs,
      factor: 2,
      randomize: true,
      signal,
      shouldRetry: ({ error }) => !isTerminal(error) && !signal.aborted,
      onFailedAttempt: ({ error, retriesLeft }) => {
        if (retriesLeft > 0 && !isTerminal(error)) onRetry();
      },
    });
    return { value };
  } catch (err) {
    if (signal.aborted) throw err;
    return { failed: err };
  }
}
