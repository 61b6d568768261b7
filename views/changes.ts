/**
 * What each domain event changes in the read models, as plain data: the one place that maps
 * events to read-model effects, shared by the Redis and the Mongo adapter so both agree.
 *
 * History labels (`MyPageItem.history[].status`): order events record the order status itself
 * (`Ordered`, `Accepted`, `Packed`, `DeliveryStarted`, `Delivered`, `Cancelled`, `Rejected`);
 * payment events record `PaymentApproved`, `PaymentDeclined`, `PaymentRefunded`; delivery events
 * record `DeliveryStarted`, `Delivered`, `DeliveryCancelled`. A label is recorded once, at the
 * earliest `at` seen, so the order's `DeliveryStarted` and the delivery's `DeliveryStarted`
 * (the same fact, told by two actors) show as one entry, and a redelivered event adds nothing.
 */
import {
  eventSource,
  type DeliveryStatus,
  type DomainEvent,
  type EventSource,
  type OrderStatus,
  type PaymentStatus,
  type StoreOrderStatus,
} from '../actors/events.js';

/** The immutable order line, known once OrderPlaced or OrderRejected has been applied. */
export interface MyPageLine {
  readonly productId: string;
  readonly quantity: number;
  readonly amount: number;
  readonly currency: string;
  /** ms since epoch: the my-page sort key. */
  readonly createdAt: number;
}

export interface MyPageStatusSet {
  readonly orderStatus?: OrderStatus;
  readonly paymentStatus?: PaymentStatus;
  readonly deliveryStatus?: DeliveryStatus;
}

/** The statuses a change sets, as (field, value) pairs: the field names of both adapters' documents. */
export function statusFields(set: MyPageStatusSet): (readonly [keyof MyPageStatusSet, string])[] {
  const fields: (readonly [keyof MyPageStatusSet, string])[] = [];
  if (set.orderStatus !== undefined) fields.push(['orderStatus', set.orderStatus]);
  if (set.paymentStatus !== undefined) fields.push(['paymentStatus', set.paymentStatus]);
  if (set.deliveryStatus !== undefined) fields.push(['deliveryStatus', set.deliveryStatus]);
  return fields;
}

/** One event's effect on a my-page document, applied only when `version` is newer for `source`. */
export interface MyPageChange {
  readonly orderId: string;
  readonly customerId: string;
  readonly source: EventSource;
  readonly version: number;
  readonly at: number;
  /**
   * Set by creation events. Facts never change, so they are also filled in from an event whose
   * version is stale when the document still lacks them (a partial document).
   */
  readonly line: MyPageLine | null;
  readonly set: MyPageStatusSet;
  readonly label: string | null;
}

/** The immutable part of a store-board item, known once StoreOrderReceived has been applied. */
export interface StoreBoardFacts {
  readonly productId: string;
  readonly quantity: number;
  readonly address: string;
  /** ms since epoch: the board's sort key. */
  readonly receivedAt: number;
}

/** One store event's effect on the store board (the store actor is its only source). */
export interface StoreBoardChange {
  readonly orderId: string;
  readonly version: number;
  readonly at: number;
  readonly facts: StoreBoardFacts | null;
  readonly status: StoreOrderStatus;
}

const deliveryStatusOf = {
  DeliveryStarted: 'Started',
  DeliveryCompleted: 'Delivered',
  DeliveryCancelled: 'Cancelled',
} as const satisfies Record<string, DeliveryStatus>;

const deliveryLabel: { readonly [S in DeliveryStatus]: string } = {
  Started: 'DeliveryStarted',
  Delivered: 'Delivered',
  Cancelled: 'DeliveryCancelled',
};

const paymentStatusOf = {
  PaymentApproved: 'Approved',
  PaymentDeclined: 'Declined',
  PaymentRefunded: 'Refunded',
} as const satisfies Record<string, PaymentStatus>;

/** The my-page effect of an event, or null when the event does not touch my page (store events). */
export function myPageChange(event: DomainEvent): MyPageChange | null {
  const d = event.data;
  const base = {
    orderId: d.orderId,
    customerId: d.customerId,
    source: eventSource[event.type],
    version: d.version,
    at: d.at,
  };
  const order = (status: OrderStatus, line: MyPageLine | null = null): MyPageChange => ({
    ...base,
    line,
    set: { orderStatus: status },
    label: status,
  });
  switch (event.type) {
    case 'OrderPlaced':
    case 'OrderRejected': {
      const e = event.data;
      const line = {
        productId: e.productId,
        quantity: e.quantity,
        amount: e.amount,
        currency: e.currency,
        createdAt: e.at,
      };
      return order(event.type === 'OrderPlaced' ? 'Ordered' : 'Rejected', line);
    }
    case 'OrderStatusChanged':
      return order(event.data.status);
    case 'OrderCancelled':
      return order('Cancelled');
    case 'PaymentApproved':
    case 'PaymentDeclined':
    case 'PaymentRefunded': {
      const status = paymentStatusOf[event.type];
      return { ...base, line: null, set: { paymentStatus: status }, label: `Payment${status}` };
    }
    case 'DeliveryStarted':
    case 'DeliveryCompleted':
    case 'DeliveryCancelled': {
      const status = deliveryStatusOf[event.type];
      return { ...base, line: null, set: { deliveryStatus: status }, label: deliveryLabel[status] };
    }
    case 'StoreOrderReceived':
    case 'StoreOrderAccepted':
    case 'StoreOrderPacked':
    case 'StoreOrderCancelled':
      // The order actor follows the store and tells my page through OrderStatusChanged.
      return null;
    default:
      return unreachable(event);
  }
}

/** The store-board effect of an event, or null when it is not a store event. */
export function storeBoardChange(event: DomainEvent): StoreBoardChange | null {
  const base = { orderId: event.data.orderId, version: event.data.version, at: event.data.at };
  switch (event.type) {
    case 'StoreOrderReceived': {
      const e = event.data;
      const facts = { productId: e.productId, quantity: e.quantity, address: e.address, receivedAt: e.at };
      return { ...base, facts, status: 'Received' };
    }
    case 'StoreOrderAccepted':
      return { ...base, facts: null, status: 'Accepted' };
    case 'StoreOrderPacked':
      return { ...base, facts: null, status: 'Packed' };
    case 'StoreOrderCancelled':
      return { ...base, facts: null, status: 'Cancelled' };
    case 'OrderPlaced':
    case 'OrderRejected':
    case 'OrderStatusChanged':
    case 'OrderCancelled':
    case 'PaymentApproved':
    case 'PaymentDeclined':
    case 'PaymentRefunded':
    case 'DeliveryStarted':
    case 'DeliveryCompleted':
    case 'DeliveryCancelled':
      return null;
    default:
      return unreachable(event);
  }
}

function unreachable(event: never): never {
  throw new Error(`unhandled domain event ${JSON.stringify(event)}`);
}
