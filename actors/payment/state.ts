/** The payment actor's state and events. */
import type { DomainEventBody } from '../kernel.js';
import type { ChargePaymentData } from './messages.js';
import type { ChargeResult, RefundResult } from './provider.js';

interface Charge {
  readonly version: number;
  readonly orderId: string;
  readonly customerId: string;
  readonly amount: number;
  readonly currency: string;
  /** Which charge of the order this is: 2 and on after voided ones (absent: the first). */
  readonly attempt?: number;
}

export type PaymentState =
  /**
   * Nothing charged (also after the provider was unavailable). `inDoubt`: the last charge's
   * outcome is unknown, a settle timer will ask the provider; `attempt`: the next charge's number.
   */
  | {
      readonly status: 'None';
      readonly version: number;
      readonly inDoubt?: true;
      readonly attempt?: number;
    }
  /**
   * `refundFailures`: refund attempts the provider could not take so far. `orphan`: charged for
   * an order that was not placed (a charge in doubt that went through): it is being voided.
   */
  | (Charge & {
      readonly status: 'Approved';
      readonly chargeId: string;
      readonly refundFailures: number;
      readonly orphan?: true;
    })
  | (Charge & { readonly status: 'Declined' })
  | (Charge & { readonly status: 'Refunded'; readonly chargeId: string; readonly refundId: string });

/**
 * The decider's commands: the mailbox's, with the provider's answer the pre-step got (null when
 * the state made the call needless).
 */
export type PaymentInput =
  | {
      readonly type: 'ChargePayment';
      readonly data: ChargePaymentData;
      readonly charge: ChargeResult | null;
      /** When to ask the provider again about a charge in doubt (config). */
      readonly settleAfterMs: number;
    }
  | { readonly type: 'RefundPayment'; readonly refund: RefundResult | null }
  | {
      readonly type: 'SettleCharge';
      readonly data: ChargePaymentData & { readonly checks: number };
      readonly charge: ChargeResult | null;
    }
  | {
      readonly type: 'VoidCharge';
      readonly data: { readonly checks: number };
      readonly refund: RefundResult | null;
    }
  | { readonly type: 'AbandonCharge' };

type InDoubtCharge = ChargePaymentData & { readonly checks: number };

export type PaymentEvent =
  | DomainEventBody<'PaymentApproved'>
  | DomainEventBody<'PaymentDeclined'>
  | DomainEventBody<'PaymentRefunded'>
  // Internal (not published): they carry the policy's input.
  | { readonly type: 'ChargeUnavailable'; readonly data: { readonly retryAfterSeconds: number } }
  /** The charge's outcome is unknown: ask again after `afterMs` (the token travels in the timer). */
  | { readonly type: 'ChargeInDoubt'; readonly data: InDoubtCharge & { readonly afterMs: number } }
  /** Asked again: not charged after all. */
  | { readonly type: 'ChargeSettled'; readonly data: Readonly<Record<string, never>> }
  /** Asked again, the provider still cannot say: ask later (`checks` counts this one). */
  | { readonly type: 'SettleDeferred'; readonly data: InDoubtCharge }
  /** Asked again: charged, but no order was placed with it. It is voided (refunded). */
  | {
      readonly type: 'OrphanCharged';
      readonly data: {
        readonly customerId: string;
        readonly amount: number;
        readonly currency: string;
        readonly chargeId: string;
      };
    }
  /** The order was not placed with this approved charge (told too late): it is voided. */
  | { readonly type: 'ChargeAbandoned'; readonly data: Readonly<Record<string, never>> }
  | { readonly type: 'ChargeVoided'; readonly data: { readonly refundId: string } }
  | { readonly type: 'VoidDeferred'; readonly data: { readonly checks: number } }
  /** A repeated `ChargePayment` after the outcome is known: answer again from the state. */
  | { readonly type: 'ChargeOutcomeRepeated'; readonly data: Readonly<Record<string, never>> }
  /** `failures` counts this one: the retry waits `refundRetryDelayMs(failures)`. */
  | { readonly type: 'RefundDeferred'; readonly data: { readonly failures: number } };

/** Refunds never give up: back-off doubles from 500 ms up to one minute. */
export function refundRetryDelayMs(failures: number): number {
  return Math.min(60_000, 500 * 2 ** Math.max(0, failures - 1));
}

/** The provider's idempotency key of an order's charge (and, with `refund`, of its refund). */
export function paymentKey(kind: 'charge' | 'refund', orderId: string, attempt: number | undefined): string {
  return attempt === undefined || attempt <= 1 ? `${kind}:${orderId}` : `${kind}:${orderId}:${attempt}`;
}
