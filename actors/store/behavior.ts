/** The store actor ('store', OrderManagement): its policy and behaviour. */
import { behaviorFrom, unchanged, unreachable, type ActorBehavior, type Policy } from '../kernel.js';
import { sendTo } from '../mailboxes.js';
import { storeDecider } from './decider.js';
import { decodeStoreCommand, type StoreCommand } from './messages.js';
import type { StoreEvent, StoreState } from './state.js';

/** The order follows the store's steps; packing starts the delivery (F5). */
export const storePolicy: Policy<StoreState, StoreEvent> = (event) => {
  const orderId = event.data.orderId;
  switch (event.type) {
    case 'StoreOrderAccepted':
      return [sendTo('order', orderId, { type: 'StoreOrderAccepted', data: {} })];
    case 'StoreOrderPacked':
      return [
        sendTo('order', orderId, { type: 'StoreOrderPacked', data: {} }),
        sendTo('delivery', orderId, { type: 'StartDelivery', data: { customerId: event.data.customerId } }),
      ];
    case 'StoreOrderReceived':
    case 'StoreOrderCancelled':
    case 'StoreOrderTombstoned':
      return [];
    default:
      return unreachable(event, 'store policy');
  }
};

/** The store actor. */
export const storeBehavior: ActorBehavior<StoreState, StoreCommand> = behaviorFrom({
  name: 'store',
  decider: storeDecider,
  decode: decodeStoreCommand,
  prepare: unchanged,
  policy: storePolicy,
});
