/** The order as the edge shows it (`GET /orders/{id}`, `POST /orders`). */
import type { OrderDetails, OrderStatus } from '../events.js';
import { iso } from '../outcomes.js';
import { isEstablished, type EstablishedOrder, type OrderState } from './state.js';

/** The order as `GET /orders/{id}` and `POST /orders` show it (API.md); the edge shows this type. */
export interface OrderView extends OrderDetails {
  readonly orderId: string;
  readonly status: OrderStatus;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** The answer to `PlaceOrder`, as the edge turns it into 201, 402 or 503. */
export type PlaceOrderOutcome =
  | { readonly kind: 'placed'; readonly order: OrderView }
  | { readonly kind: 'declined'; readonly order: OrderView }
  /** The payment provider is down, slow or the circuit is open: nothing charged, no order. */
  | { readonly kind: 'unavailable'; readonly retryAfterSeconds: number }
  /** The order this Idempotency-Key placed was asked for with a different body. */
  | { readonly kind: 'key-reused' };

/** The order's view, or null while it is not established (no order, or waiting for the payment). */
export function orderView(state: OrderState): OrderView | null {
  return isEstablished(state) ? viewOf(state) : null;
}

/** The view of an order that exists. */
export function viewOf(state: EstablishedOrder): OrderView {
  const { customerId, productId, quantity, amount, currency, address } = state.details;
  return {
    orderId: state.orderId,
    status: state.status,
    customerId,
    productId,
    quantity,
    amount,
    currency,
    address,
    createdAt: iso(state.createdAt),
    updatedAt: iso(state.updatedAt),
  };
}

/**
 * The same Idempotency-Key (hence the same order id) with a different body. Only keyed requests
 * carry a hash, and orders placed before hashes were kept have none: those are not compared.
 */
export function isKeyReused(placedWith: string | undefined, askedWith: string | undefined): boolean {
  return placedWith !== undefined && askedWith !== undefined && placedWith !== askedWith;
}

/**
 * The answer to a placing of an order that exists, by the same customer: its outcome again, or
 * `key-reused` when its Idempotency-Key placed it with another body.
 */
export function placedAnswer(state: EstablishedOrder, requestHash: string | undefined): PlaceOrderOutcome {
  if (isKeyReused(state.requestHash, requestHash)) return { kind: 'key-reused' };
  return { kind: state.status === 'Rejected' ? 'declined' : 'placed', order: viewOf(state) };
}

/** What a replayed keyed request gets from the order's committed state: null while there is none. */
export function replayAnswer(
  state: OrderState,
  customerId: string,
  requestHash: string | undefined,
): PlaceOrderOutcome | null {
  if (!isEstablished(state) || state.details.customerId !== customerId) return null;
  return placedAnswer(state, requestHash);
}
