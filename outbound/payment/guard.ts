/**
 * Turns raw provider calls (which throw on trouble) into a PaymentProvider (which never does):
 * quick retries of transient errors inside a time budget, all of it behind one circuit breaker
 * named `payment`, and `appliance_payment_calls_total` counted per outcome. The HTTP provider and
 * the built-in simulator both go through here, so they fail the same way.
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import {
  DEFAULT_BREAKER_OPTIONS,
  createBreaker,
  type BreakerOptions,
  type BreakerState,
} from '../breaker.js';
import { OutboundError } from '../errors.js';
import { paymentCallsCounter, registryOrPrivate, type PaymentCallOutcome } from '../metrics.js';
import { retryWithinBudget, type AttemptContext, type RetryPolicy } from '../retry.js';
import type {
  ChargeDecision,
  ChargeRequest,
  ChargeResult,
  PaymentProvider,
  ProviderUnavailable,
  RefundDone,
  RefundRequest,
  RefundResult,
} from './port.js';

/**
 * One provider call without protection. Resolves with the provider's decision; rejects (an
 * OutboundError, transient or not) when the provider gave no usable answer within
 * `attempt.timeoutMs`.
 */
export interface RawPaymentCalls {
  charge(request: ChargeRequest, attempt: AttemptContext): Promise<ChargeDecision>;
  refund(request: RefundRequest, attempt: AttemptContext): Promise<RefundDone>;
}

export interface PaymentGuardOptions {
  /** Per-attempt timeout (config `PSP_TIMEOUT_MS`, default 2000). */
  readonly timeoutMs: number;
  /** Bound for all attempts of one call; default 1.5 x timeoutMs (3 s with the defaults). */
  readonly budgetMs?: number;
  readonly retry?: Partial<RetryPolicy>;
  readonly breaker?: Partial<Omit<BreakerOptions, 'callTimeoutMs'>>;
  /** Where `appliance_circuit_state` and `appliance_payment_calls_total` go. */
  readonly registry?: Registry;
  readonly logger?: Logger;
}

/**
 * True when the failed attempt surely charged nothing: the connection was refused, the simulator
 * is down, or the provider said it did not take the request (a 4xx other than 408, or 503 Service
 * Unavailable). A timeout, a reset, or another 5xx (500, 502, 504) leaves the outcome unknown.
 */
function surelyNotCharged(err: unknown): boolean {
  if (!(err instanceof OutboundError)) return false;
  if (err.code === 'outbound-down') return true;
  if (err.code === 'outbound-status' && err.status !== null) {
    return (err.status >= 400 && err.status < 500 && err.status !== 408) || err.status === 503;
  }
  const cause = err.cause as { code?: unknown } | undefined;
  return err.code === 'outbound-connection' && cause?.code === 'ECONNREFUSED';
}

/** Two quick retries: enough to ride over a reset keep-alive socket or one 502, no more. */
export const DEFAULT_PAYMENT_RETRY: RetryPolicy = { retries: 2, minDelayMs: 50, maxDelayMs: 200, factor: 2 };

/** A PaymentProvider with its breaker exposed for health pages and tests. */
export interface GuardedPaymentProvider extends PaymentProvider {
  breakerState(): BreakerState;
  /** Stop timers and release resources. */
  close(): Promise<void>;
}

export function guardPaymentCalls(
  raw: RawPaymentCalls,
  options: PaymentGuardOptions,
  onClose: () => Promise<void> = () => Promise.resolve(),
): GuardedPaymentProvider {
  const registry = registryOrPrivate(options.registry);
  const calls = paymentCallsCounter(registry);
  const budgetMs = options.budgetMs ?? Math.round(options.timeoutMs * 1.5);
  const policy: RetryPolicy = { ...DEFAULT_PAYMENT_RETRY, ...options.retry };
  const breaker = createBreaker(
    'payment',
    // opossum's own timeout only backs up the budget, which normally ends the call first.
    { ...DEFAULT_BREAKER_OPTIONS, ...options.breaker, callTimeoutMs: budgetMs + 1000 },
    { registry, logger: options.logger },
  );

  async function guarded<T>(
    operation: 'charge' | 'refund',
    idempotencyKey: string,
    call: (attempt: AttemptContext) => Promise<T>,
    outcomeOf: (value: T) => PaymentCallOutcome,
  ): Promise<T | ProviderUnavailable> {
    // Attempts that may have been taken by the provider: started, and not failed in a way that
    // proves nothing was charged (one cut off by the breaker's own timeout reports no failure).
    let unsure = 0;
    const result = await breaker.run(() =>
      retryWithinBudget(
        (attempt) => {
          unsure += 1;
          return call(attempt);
        },
        {
          policy,
          attemptTimeoutMs: options.timeoutMs,
          budgetMs,
          onFailedAttempt: (err, attemptNumber) => {
            if (surelyNotCharged(err)) unsure -= 1;
            options.logger?.debug(
              { operation, idempotencyKey, attemptNumber, err },
              'payment attempt failed',
            );
          },
        },
      ),
    );
    if (result.ok) {
      calls.inc({ operation, outcome: outcomeOf(result.value) });
      return result.value;
    }
    calls.inc({ operation, outcome: result.rejected ? 'rejected' : 'unavailable' });
    if (!result.rejected) {
      options.logger?.warn({ operation, idempotencyKey, err: result.error }, 'payment provider unavailable');
    }
    const inDoubt = !result.rejected && unsure > 0;
    return { status: 'unavailable', retryAfterSeconds: result.retryAfterSeconds, inDoubt };
  }

  return {
    charge(request: ChargeRequest): Promise<ChargeResult> {
      return guarded(
        'charge',
        request.idempotencyKey,
        (attempt) => raw.charge(request, attempt),
        (d) => d.status,
      );
    },
    refund(request: RefundRequest): Promise<RefundResult> {
      return guarded(
        'refund',
        request.idempotencyKey,
        (attempt) => raw.refund(request, attempt),
        (d) => d.status,
      );
    },
    breakerState: () => breaker.state(),
    async close(): Promise<void> {
      breaker.close();
      await onClose();
    },
  };
}
