/**
 * The payment provider port. The runtime fills it with the PSP client (behind a circuit breaker)
 * or the built-in simulator. It must answer, not throw: a timeout, a refused connection, an open
 * circuit or an unexpected status is `unavailable`. (A throw is retried by the runtime.)
 */
export type ChargeResult =
  | { readonly status: 'approved'; readonly chargeId: string }
  | { readonly status: 'declined' }
  | {
      readonly status: 'unavailable';
      readonly retryAfterSeconds: number;
      /**
       * The request may have reached the provider (a timeout, a reset, an error status), so the
       * card may have been charged; false when it surely did not (circuit open, connection refused).
       */
      readonly inDoubt?: boolean;
    };

export type RefundResult =
  | { readonly status: 'succeeded'; readonly refundId: string }
  | { readonly status: 'unavailable'; readonly retryAfterSeconds: number };

export interface PaymentProvider {
  /**
   * `idempotencyKey` is `charge:<orderId>` (`charge:<orderId>:<n>` for the n-th charge of an order
   * after voided ones): a retried charge never charges twice.
   */
  charge(request: {
    readonly idempotencyKey: string;
    readonly amount: number;
    readonly currency: string;
    readonly token: string;
  }): Promise<ChargeResult>;
  /** `idempotencyKey` is `refund:` and the charge's key suffix: a retried refund never refunds twice. */
  refund(request: {
    readonly idempotencyKey: string;
    readonly chargeId: string;
    readonly amount: number;
  }): Promise<RefundResult>;
}
