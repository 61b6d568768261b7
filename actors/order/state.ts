/** The order actor's state and events. */
import type { OrderDetails, OrderStatus } from '../events.js';
import type { DomainEventBody, ReplyAddress } from '../kernel.js';

/** An order that exists: paid (`Ordered` and on) or declined (`Rejected`). */
export interface EstablishedOrder {
  readonly status: OrderStatus;
  readonly version: number;
  readonly orderId: string;
  readonly details: OrderDetails;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly refunded: boolean;
  /** The body hash of the keyed request that placed it (see PlaceOrderData.requestHash). */
  readonly requestHash?: string;
  /**
   * Set while a cancellation waits for the delivery's answer (the requests to answer then); the
   * delivery decides whether the courier or the customer was first.
   */
  readonly cancelWaiters?: readonly ReplyAddress[];
}

export type OrderState =
  /** No order (also after the payment was unavailable: nothing is established). */
  | { readonly status: 'None'; readonly version: number }
  /** Waiting for the payment's outcome; `waiters` are the requests to answer then. */
  | {
      readonly status: 'Paying';
      readonly version: number;
      readonly orderId: string;
      readonly details: OrderDetails;
      readonly waiters: readonly ReplyAddress[];
      readonly requestHash?: string;
      /** The last of the waiters' deadlines (absent: one waits without a deadline). */
      readonly answerBy?: number;
      /** Every waiter gave up (AbandonPlacement): the payment's outcome places no order. */
      readonly abandoned?: true;
    }
  | EstablishedOrder;

export type OrderEvent =
  | DomainEventBody<'OrderPlaced'>
  | DomainEventBody<'OrderRejected'>
  | DomainEventBody<'OrderStatusChanged'>
  | DomainEventBody<'OrderCancelled'>
  // Internal (not published): they only change the state or carry a policy's input.
  /** Carries the token to the policy that asks the payment actor; the state drops it. */
  | {
      readonly type: 'PaymentRequested';
      readonly data: OrderDetails & {
        readonly paymentToken: string;
        readonly replyTo: ReplyAddress | null;
        readonly requestHash?: string;
        readonly answerBy?: number;
      };
    }
  | {
      readonly type: 'WaiterAdded';
      readonly data: { readonly replyTo: ReplyAddress; readonly answerBy?: number };
    }
  /** Every waiter gave up and was told no order was placed (AbandonPlacement). */
  | { readonly type: 'PlacementGivenUp'; readonly data: Readonly<Record<string, never>> }
  /**
   * The payment's outcome came after the placing was given up: no order; an approved charge is
   * voided (the payment is told to).
   */
  | { readonly type: 'PlacementAbandoned'; readonly data: Readonly<Record<string, never>> }
  /** The customer asked to cancel: the delivery is asked first (it may have been delivered). */
  | {
      readonly type: 'CancellationRequested';
      readonly data: { readonly customerId: string; readonly replyTo: ReplyAddress | null };
    }
  /** Asked to cancel again while the delivery has not answered: it is asked again too. */
  | { readonly type: 'CancellationRepeated'; readonly data: { readonly replyTo: ReplyAddress | null } }
  | { readonly type: 'PaymentUnavailable'; readonly data: { readonly retryAfterSeconds: number } }
  | { readonly type: 'RefundRecorded'; readonly data: { readonly refundId: string } };

/** True once the order exists (paid or declined). */
export function isEstablished(state: OrderState): state is EstablishedOrder {
  return state.status !== 'None' && state.status !== 'Paying';
}
