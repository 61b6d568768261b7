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
}

export type PaymentState =
  /** Nothing charged (also after the provider was unavailable). */
  | { readonly status: 'None'; readonly version: number }
  /** `refundFailures`: refund attempts the provider could not take so far. */
  | (Charge & { readonly status: 'Approved'; readonly chargeId: string; readonly refundFailures: number })
  | (Charge & { readonly status: 'Declined' })
  | (Charge & { readonly status: 'Refunded'; readonly chargeId: string; readonly refundId: string });

/**
 * The decider's commands: the mailbox's, with the provider's answer the pre-step got (null when
 * the state made the call needless).
 */
export type PaymentInput =
  | { readonly type: 'ChargePayment'; readonly data: ChargePaymentData; readonly charge: ChargeResult | null }
  | { readonly type: 'RefundPayment'; readonly refund: RefundResult | null };

export type PaymentEvent =
  | DomainEventBody<'PaymentApproved'>
  | DomainEventBody<'PaymentDeclined'>
  | DomainEventBody<'PaymentRefunded'>
  // Internal (not published): they carry the policy's input.
  | { readonly type: 'ChargeUnavailable'; readonly data: { readonly retryAfterSeconds: number } }
  /** A repeated `ChargePayment` after the outcome is known: answer again from the state. */
  | { readonly type: 'ChargeOutcomeRepeated'; readonly data: Readonly<Record<string, never>> }
  /** `failures` counts this one: the retry waits `refundRetryDelayMs(failures)`. */
  | { readonly type: 'RefundDeferred'; readonly data: { readonly failures: number } };

/** Refunds never give up: back-off doubles from 500 ms up to one minute. */
export function refundRetryDelayMs(failures: number): number {
  return Math.min(60_000, 500 * 2 ** Math.max(0, failures - 1));
}
