/**
 * Domain events: what happened to an order, published on the partitioned event streams
 * (keyed by order id) and consumed by the read models (my page, store board, messages) and the
 * notifier. Every event carries the order id (the correlation key), the customer id (so
 * subscribers need no lookups), the publishing actor's state `version` (read models ignore
 * anything not newer than what they hold, per source actor) and `at` (ms since epoch).
 */
export type OrderStatus =
  'Ordered' | 'Accepted' | 'Packed' | 'DeliveryStarted' | 'Delivered' | 'Cancelled' | 'Rejected';
export type PaymentStatus = 'Approved' | 'Declined' | 'Refunded';
export type DeliveryStatus = 'Started' | 'Delivered' | 'Cancelled';
export type StoreOrderStatus = 'Received' | 'Accepted' | 'Packed' | 'Cancelled';
/** Which actor published an event: read models keep one version per source. */
export type EventSource = 'order' | 'payment' | 'store' | 'delivery';

interface Base {
  readonly orderId: string;
  readonly customerId: string;
  readonly version: number;
  readonly at: number;
}

export interface OrderLine {
  readonly productId: string;
  readonly quantity: number;
  readonly amount: number;
  readonly currency: string;
}

/** What was ordered, by whom, to where: what the order and the store keep of an order. */
export interface OrderDetails extends OrderLine {
  readonly customerId: string;
  readonly address: string;
}

export type DomainEvent =
  // Order actor
  | { readonly type: 'OrderPlaced'; readonly data: Base & OrderDetails }
  | { readonly type: 'OrderRejected'; readonly data: Base & OrderLine }
  | { readonly type: 'OrderStatusChanged'; readonly data: Base & { readonly status: OrderStatus } }
  | { readonly type: 'OrderCancelled'; readonly data: Base }
  // Payment actor
  | {
      readonly type: 'PaymentApproved';
      readonly data: Base & { readonly amount: number; readonly currency: string; readonly chargeId: string };
    }
  | {
      readonly type: 'PaymentDeclined';
      readonly data: Base & { readonly amount: number; readonly currency: string };
    }
  | {
      readonly type: 'PaymentRefunded';
      readonly data: Base & { readonly amount: number; readonly currency: string; readonly refundId: string };
    }
  // OrderManagement (store) actor
  | { readonly type: 'StoreOrderReceived'; readonly data: Base & OrderDetails }
  | { readonly type: 'StoreOrderAccepted'; readonly data: Base }
  | { readonly type: 'StoreOrderPacked'; readonly data: Base }
  | { readonly type: 'StoreOrderCancelled'; readonly data: Base }
  // Delivery actor
  | { readonly type: 'DeliveryStarted'; readonly data: Base & { readonly courierId: string } }
  | { readonly type: 'DeliveryCompleted'; readonly data: Base & { readonly courierId: string } }
  | { readonly type: 'DeliveryCancelled'; readonly data: Base & { readonly courierId: string } };

export type DomainEventType = DomainEvent['type'];

/** Which actor publishes each event type (used by read models to pick the version slot). */
export const eventSource: { readonly [T in DomainEventType]: EventSource } = {
  OrderPlaced: 'order',
  OrderRejected: 'order',
  OrderStatusChanged: 'order',
  OrderCancelled: 'order',
  PaymentApproved: 'payment',
  PaymentDeclined: 'payment',
  PaymentRefunded: 'payment',
  StoreOrderReceived: 'store',
  StoreOrderAccepted: 'store',
  StoreOrderPacked: 'store',
  StoreOrderCancelled: 'store',
  DeliveryStarted: 'delivery',
  DeliveryCompleted: 'delivery',
  DeliveryCancelled: 'delivery',
};

/** Message kinds the customer receives (API.md `GET /messages`). */
export type MessageKind =
  'OrderPlaced' | 'DeliveryStarted' | 'DeliveryCompleted' | 'DeliveryCancelled' | 'OrderCancelled';
