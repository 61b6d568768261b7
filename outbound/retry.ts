/**
 * Quick retries of transient failures inside a time budget: the caller (a customer waiting on
 * POST /orders) is never held longer than the budget, however the provider misbehaves.
 */
import pRetry from 'p-retry';
import { isTransient } from './errors.js';

/** How to retry: p-retry's exponential back-off, without jitter so bounds are predictable. */
export interface RetryPolicy {
  /** Retries after the first attempt. */
  readonly retries: number;
  readonly minDelayMs: number;
  readonly maxDelayMs: number;
  readonly factor?: number;
}

/** What one attempt may spend. */
export interface AttemptContext {
  /** Time this attempt may take: the per-request timeout, cut to what is left of the budget. */
  readonly timeoutMs: number;
  readonly attemptNumber: number;
}

export interface RetryWithinBudgetOptions {
  readonly policy: RetryPolicy;
  /** Per-attempt timeout. */
  readonly attemptTimeoutMs: number;
  /** Upper bound for all attempts and delays together. */
  readonly budgetMs: number;
  /** Called after each failed attempt (logging). */
  readonly onFailedAttempt?: (err: Error, attemptNumber: number) => void;
}

/** An attempt shorter than this is not worth starting: it would only time out. */
const MIN_ATTEMPT_MS = 25;

/**
 * Run `attempt` until it resolves, retrying errors `isTransient` accepts while retries and budget
 * last. Rejects with the last error otherwise (non-transient errors at once).
 */
export function retryWithinBudget<T>(
  attempt: (ctx: AttemptContext) => Promise<T>,
  { policy, attemptTimeoutMs, budgetMs, onFailedAttempt }: RetryWithinBudgetOptions,
): Promise<T> {
  const deadline = performance.now() + budgetMs;
  const remaining = (): number => deadline - performance.now();
  return pRetry(
    (attemptNumber) =>
      attempt({ timeoutMs: Math.max(1, Math.min(attemptTimeoutMs, Math.floor(remaining()))), attemptNumber }),
    {
      retries: policy.retries,
      minTimeout: policy.minDelayMs,
      maxTimeout: policy.maxDelayMs,
      factor: policy.factor ?? 2,
      randomize: false,
      maxRetryTime: budgetMs,
      onFailedAttempt: ({ error, attemptNumber }) => onFailedAttempt?.(error, attemptNumber),
      // Retry only when the next attempt (after its delay) still has time to succeed.
      shouldRetry: ({ error }) => isTransient(error) && remaining() > policy.minDelayMs + MIN_ATTEMPT_MS,
    },
  );
}
