/**
 * A circuit breaker (opossum) around any async call, reporting its state as
 * `appliance_circuit_state{name}`. The breaker knows nothing about payments: callers hand it a
 * thunk, and whatever the thunk resolves counts as a success (a declined card is a perfectly
 * healthy provider), whatever it rejects counts as a failure.
 */
import CircuitBreaker from 'opossum';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { circuitStateGauge, registryOrPrivate } from './metrics.js';

export interface BreakerOptions {
  /** Safety net for one guarded call (all of its retries): opossum counts it failed after this. */
  readonly callTimeoutMs: number;
  /** Failure percentage in the rolling window above which the circuit opens. */
  readonly errorThresholdPercentage: number;
  /** Calls in the rolling window before the percentage is judged at all. */
  readonly volumeThreshold: number;
  /** Time the circuit stays open before one probe call is let through (half-open). */
  readonly resetTimeoutMs: number;
  /** Length of the rolling window of statistics. */
  readonly rollingCountTimeoutMs: number;
}

/** Defaults for a payment provider: open after 5+ calls with over half failing, probe after 10 s. */
export const DEFAULT_BREAKER_OPTIONS: Omit<BreakerOptions, 'callTimeoutMs'> = {
  errorThresholdPercentage: 50,
  volumeThreshold: 5,
  resetTimeoutMs: 10_000,
  rollingCountTimeoutMs: 10_000,
};

export type BreakerState = 'closed' | 'half-open' | 'open';

const GAUGE_VALUE: { readonly [S in BreakerState]: number } = { closed: 0, 'half-open': 1, open: 2 };

/** The outcome of a guarded call; the breaker never throws what the thunk threw. */
export type Guarded<T> =
  | { readonly ok: true; readonly value: T }
  | {
      readonly ok: false;
      /** True when the open circuit answered without calling at all. */
      readonly rejected: boolean;
      readonly error: Error;
      /** Seconds until the circuit lets a probe through (at least 1). */
      readonly retryAfterSeconds: number;
    };

export interface Breaker {
  readonly name: string;
  /** Run `fn` through the circuit. Resolves with a Guarded outcome; never rejects. */
  run<T>(fn: () => Promise<T>): Promise<Guarded<T>>;
  state(): BreakerState;
  /** Seconds until a probe may pass: the rest of resetTimeout when open, else 1. */
  retryAfterSeconds(): number;
  /** Stop the breaker's timers. */
  close(): void;
}

export interface BreakerDeps {
  readonly registry?: Registry;
  readonly logger?: Logger;
}

/** Opossum's own errors that mean "not called at all". */
const REJECTION_CODES: ReadonlySet<string> = new Set(['EOPENBREAKER', 'ESEMLOCKED', 'ESHUTDOWN']);

function isRejection(err: Error): boolean {
  return CircuitBreaker.isOurError(err) && 'code' in err && REJECTION_CODES.has(String(err.code));
}

export function createBreaker(name: string, options: BreakerOptions, deps: BreakerDeps = {}): Breaker {
  const gauge = circuitStateGauge(registryOrPrivate(deps.registry));
  const breaker = new CircuitBreaker<[() => Promise<void>], void>((thunk) => thunk(), {
    name,
    timeout: options.callTimeoutMs,
    errorThresholdPercentage: options.errorThresholdPercentage,
    volumeThreshold: options.volumeThreshold,
    resetTimeout: options.resetTimeoutMs,
    rollingCountTimeout: options.rollingCountTimeoutMs,
  });
  let openedAt = 0;
  const report = (state: BreakerState): void => {
    gauge.set({ name }, GAUGE_VALUE[state]);
  };
  report('closed');
  breaker.on('open', () => {
    openedAt = performance.now();
    report('open');
    deps.logger?.warn({ circuit: name, resetTimeoutMs: options.resetTimeoutMs }, 'circuit opened');
  });
  breaker.on('halfOpen', () => {
    report('half-open');
    deps.logger?.info({ circuit: name }, 'circuit half-open: letting one probe through');
  });
  breaker.on('close', () => {
    report('closed');
    deps.logger?.info({ circuit: name }, 'circuit closed');
  });

  const state = (): BreakerState => (breaker.opened ? 'open' : breaker.halfOpen ? 'half-open' : 'closed');
  const retryAfterSeconds = (): number => {
    if (state() !== 'open') return 1;
    const leftMs = openedAt + options.resetTimeoutMs - performance.now();
    return Math.max(1, Math.ceil(leftMs / 1000));
  };

  return {
    name,
    async run<T>(fn: () => Promise<T>): Promise<Guarded<T>> {
      // A holder rather than opossum's return value, so the breaker's action stays untyped-free.
      const holder: { result?: { value: T } } = {};
      try {
        await breaker.fire(async () => {
          holder.result = { value: await fn() };
        });
      } catch (err) {
        const error = err instanceof Error ? err : new Error(String(err));
        return { ok: false, rejected: isRejection(error), error, retryAfterSeconds: retryAfterSeconds() };
      }
      if (holder.result === undefined) {
        // Unreachable: opossum only resolves after the action resolved.
        return { ok: false, rejected: false, error: new Error('no result'), retryAfterSeconds: 1 };
      }
      return { ok: true, value: holder.result.value };
    },
    state,
    retryAfterSeconds,
    close(): void {
      breaker.shutdown();
    },
  };
}
