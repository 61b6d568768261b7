/**
 * The built-in payment simulator, used when `PSP_URL` is unset: an in-process provider (no
 * HTTP) that approves every token but `tok_declined`, honours idempotency keys, and can be made
 * slow or down for demos and tests. It goes through the same guard (retries, budget, circuit
 * breaker, metrics) as the HTTP provider, so a "down" simulator opens the circuit just as a
 * real outage would.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { OutboundError } from '../errors.js';
import type { AttemptContext } from '../retry.js';
import { guardPaymentCalls, type GuardedPaymentProvider, type PaymentGuardOptions } from './guard.js';
import { PaymentLedger, type LedgerRefusal, type LedgerSnapshot } from './ledger.js';
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
  /** The books by idempotency key: each key charged (or refunded) once, however often called. */
  snapshot(): LedgerSnapshot;
}

export type PaymentSimulatorOptions = Partial<PaymentGuardOptions>;

function refused(r: LedgerRefusal): OutboundError {
  // A 422 from a real provider: our request is wrong, retrying will not help.
  return new OutboundError('outbound-status', `payment simulator refused: ${r.message}`, false, {
    status: 422,
  });
}

export function createPaymentSimulator(options: PaymentSimulatorOptions = {}): PaymentSimulator {
  const ledger = new PaymentLedger();
  let mode: SimulatorMode = { down: false, latencyMs: 0 };

  /** Behave like the network would under the current mode, then let the books answer. */
  async function behave<T>({ timeoutMs }: AttemptContext, answer: () => T): Promise<T> {
    const { down, latencyMs } = mode;
    if (down) throw new OutboundError('outbound-down', 'payment simulator is down', true);
    if (latencyMs >= timeoutMs) {
      await delay(timeoutMs);
      throw new OutboundError('outbound-timeout', `payment simulator timed out after ${timeoutMs} ms`, true);
    }
    if (latencyMs > 0) await delay(latencyMs);
    return answer();
  }

  const provider = guardPaymentCalls(
    {
      charge: (request, attempt) =>
        behave(attempt, (): ChargeDecision => {
          const r = ledger.charge(request);
          if (!r.ok) throw refused(r);
          return r.status === 'approved'
            ? { status: 'approved', chargeId: r.chargeId }
            : { status: 'declined' };
        }),
      refund: (request, attempt) =>
        behave(attempt, (): RefundDone => {
          const r = ledger.refund(request);
          if (!r.ok) throw refused(r);
          return { status: 'succeeded', refundId: r.refundId };
        }),
    },
    { ...options, timeoutMs: options.timeoutMs ?? 2000 },
  );

  return {
    ...provider,
    setMode(next: Partial<SimulatorMode>): void {
      mode = { ...mode, ...next };
    },
    mode: () => mode,
    snapshot: () => ledger.snapshot(),
  };
}
