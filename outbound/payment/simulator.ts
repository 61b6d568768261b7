/**
 * The built-in payment simulator, used when `PSP_URL` is unset: an in-process provider (no
 * HTTP) that approves every token but `tok_declined`, honours idempotency keys, and can be made
 * slow or down for demos and tests. Its books are in the store's Redis (redis-ledger.ts), so a
 * charge made before a restart, or by another payment process, can be refunded. It goes through
 * the same guard (retries, budget, circuit breaker, metrics) as the HTTP provider, so a "down"
 * simulator opens the circuit just as a real outage would.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { within } from '../../streams/deadline.js';
import { OutboundError } from '../errors.js';
import type { AttemptContext } from '../retry.js';
import { guardPaymentCalls, type GuardedPaymentProvider, type PaymentGuardOptions } from './guard.js';
import type { ChargeRecord, LedgerRefusal, RefundRecord } from './ledger.js';
import { RedisPaymentLedger, type RedisLedgerOptions } from './redis-ledger.js';
import type { ChargeDecision, RefundDone } from './port.js';

/** How the simulator behaves now. */
export interface SimulatorMode {
  /** Every call fails at once, as a refused connection would. */
  readonly down: boolean;
  /** Added to every call; longer than the per-attempt timeout means the call times out. */
  readonly latencyMs: number;
}

export interface PaymentSimulator extends GuardedPaymentProvider {
  /** Change the behaviour; fields left out keep their value. */
  setMode(mode: Partial<SimulatorMode>): void;
  mode(): SimulatorMode;
  /** The books' charge for an idempotency key (charged once, however often called), if any. */
  chargeRecord(idempotencyKey: string): Promise<ChargeRecord | undefined>;
  /** The books' refund for an idempotency key, if any. */
  refundRecord(idempotencyKey: string): Promise<RefundRecord | undefined>;
}

/** The guard's options, and where the books are: the store's Redis client and key prefix. */
export type PaymentSimulatorOptions = Partial<PaymentGuardOptions> & RedisLedgerOptions;

function refused(r: LedgerRefusal): OutboundError {
  // A 422 from a real provider: our request is wrong, retrying will not help.
  return new OutboundError('outbound-status', `payment simulator refused: ${r.message}`, false, {
    status: 422,
  });
}

/**
 * The books' answer within `ms`. Redis failing or slow is the provider failing or slow: a
 * transient error, and the call's outcome unknown (the script may have run).
 */
function booked<T>(call: Promise<T>, ms: number): Promise<T> {
  const failed = (err: unknown): never => {
    const why = err instanceof Error ? err.message : String(err);
    throw new OutboundError('outbound-connection', `payment simulator's books (Redis) failed: ${why}`, true, {
      cause: err,
    });
  };
  const late = () =>
    Promise.reject(
      new OutboundError('outbound-timeout', `payment simulator's books (Redis) took over ${ms} ms`, true),
    );
  return within(call.catch(failed), ms, late);
}

export function createPaymentSimulator(options: PaymentSimulatorOptions): PaymentSimulator {
  const { redis, keyPrefix, retentionMs, ...guard } = options;
  const ledger = new RedisPaymentLedger({ redis, keyPrefix, retentionMs });
  let mode: SimulatorMode = { down: false, latencyMs: 0 };

  /** Behave like the network would under the current mode, then let the books answer. */
  async function behave<T>({ timeoutMs }: AttemptContext, answer: () => Promise<T>): Promise<T> {
    const { down, latencyMs } = mode;
    if (down) throw new OutboundError('outbound-down', 'payment simulator is down', true);
    if (latencyMs >= timeoutMs) {
      await delay(timeoutMs);
      throw new OutboundError('outbound-timeout', `payment simulator timed out after ${timeoutMs} ms`, true);
    }
    if (latencyMs > 0) await delay(latencyMs);
    return booked(answer(), timeoutMs - latencyMs);
  }

  const provider = guardPaymentCalls(
    {
      async charge(request, attempt): Promise<ChargeDecision> {
        const r = await behave(attempt, () => ledger.charge(request));
        if (!r.ok) throw refused(r);
        return r.status === 'approved'
          ? { status: 'approved', chargeId: r.chargeId }
          : { status: 'declined' };
      },
      async refund(request, attempt): Promise<RefundDone> {
        const r = await behave(attempt, () => ledger.refund(request));
        if (!r.ok) throw refused(r);
        return { status: 'succeeded', refundId: r.refundId };
      },
    },
    { ...guard, timeoutMs: guard.timeoutMs ?? 2000 },
  );

  return {
    ...provider,
    setMode(next: Partial<SimulatorMode>): void {
      mode = { ...mode, ...next };
    },
    mode: () => mode,
    chargeRecord: (key) => ledger.chargeRecord(key),
    refundRecord: (key) => ledger.refundRecord(key),
  };
}
