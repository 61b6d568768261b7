/** The store's (OrderManagement's) state and events. */
import type { OrderDetails, StoreOrderStatus } from '../events.js';
import type { DomainEventBody } from '../kernel.js';

/** A store order: what to pack and where it goes. */
export interface StoreOrder extends OrderDetails {
  readonly status: StoreOrderStatus;
  readonly version: number;
  readonly orderId: string;
  readonly receivedAt: number;
  readonly updatedAt: number;
}

export type StoreState =
  | { readonly status: 'None'; readonly version: number }
  /** Cancelled before it was received: a late `ReceiveOrder` is ignored. */
  | { readonly status: 'Tombstone'; readonly version: number }
  | StoreOrder;

export type StoreEvent =
  | DomainEventBody<'StoreOrderReceived'>
  | DomainEventBody<'StoreOrderAccepted'>
  | DomainEventBody<'StoreOrderPacked'>
  | DomainEventBody<'StoreOrderCancelled'>
  // Internal (not published).
  | { readonly type: 'StoreOrderTombstoned'; readonly data: Readonly<Record<string, never>> };

/** True for a store order that was received. */
export function isStoreOrder(state: StoreState): state is StoreOrder {
  return state.status !== 'None' && state.status !== 'Tombstone';
}
