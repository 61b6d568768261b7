/**
 * The payment port, as the domain declares it (actors/payment/provider.ts), plus the names
 * outbound/ needs for its parts. Provider trouble is never thrown: unavailability is a value the
 * order actor turns into 503.
 */
import type { ChargeResult, PaymentProvider, RefundResult } from '../../actors/payment/provider.js';

export type { ChargeResult, PaymentProvider, RefundResult };

/** `{ idempotencyKey, amount, currency, token }`; the key is stable per order. */
export type ChargeRequest = Parameters<PaymentProvider['charge']>[0];

/** `{ idempotencyKey, chargeId, amount }`; the key is stable per cancellation. */
export type RefundRequest = Parameters<PaymentProvider['refund']>[0];

/** The provider cannot answer now (down, slow, circuit open): try again after the given time. */
export type ProviderUnavailable = Extract<ChargeResult, { status: 'unavailable' }>;

/** A provider's answer that is not "unavailable": what a raw (unguarded) call returns. */
export type ChargeDecision = Exclude<ChargeResult, ProviderUnavailable>;
export type RefundDone = Exclude<RefundResult, ProviderUnavailable>;
