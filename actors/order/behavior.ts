/** The order actor ('order'): its policy (what its events send to whom) and its behaviour. */
import { behaviorFrom, unchanged, unreachable, type ActorBehavior, type Policy } from '../kernel.js';
import { sendTo } from '../mailboxes.js';
import { orderDecider } from './decider.js';
import { decodeOrderCommand, type OrderCommand } from './messages.js';
import type { OrderEvent, OrderState } from './state.js';

/**
 * - `PaymentRequested` → charge the payment (the token travels only in this message);
 * - `OrderPlaced` → the store receives the order (F3);
 * - `CancellationRequested` → ask the delivery to cancel; it answers whether it was first (F8);
 * - `OrderCancelled` (the delivery cancelled, or none will start) → refund the payment and cancel
 *   the store order;
 * - `PlacementAbandoned` (the payment's outcome came after the placing was given up) → the payment
 *   voids the charge, if it was approved.
 */
export const orderPolicy: Policy<OrderState, OrderEvent> = (event) => {
  const orderId = event.data.orderId;
  switch (event.type) {
    case 'PaymentRequested': {
      const { customerId, amount, currency, paymentToken } = event.data;
      return [
        sendTo('payment', orderId, {
          type: 'ChargePayment',
          data: { orderId, customerId, amount, currency, paymentToken },
        }),
      ];
    }
    case 'OrderPlaced': {
      const { customerId, productId, quantity, amount, currency, address } = event.data;
      return [
        sendTo('store', orderId, {
          type: 'ReceiveOrder',
          data: { orderId, customerId, productId, quantity, amount, currency, address },
        }),
      ];
    }
    case 'CancellationRequested':
    case 'CancellationRepeated':
      return [sendTo('delivery', orderId, { type: 'CancelDelivery', data: {} })];
    case 'OrderCancelled':
      return [
        sendTo('payment', orderId, { type: 'RefundPayment', data: {} }),
        sendTo('store', orderId, { type: 'CancelStoreOrder', data: {} }),
      ];
    case 'PlacementAbandoned':
      return [sendTo('payment', orderId, { type: 'AbandonCharge', data: {} })];
    case 'OrderRejected':
    case 'OrderStatusChanged':
    case 'PlacementGivenUp':
    case 'WaiterAdded':
    case 'PaymentUnavailable':
    case 'RefundRecorded':
      return [];
    default:
      return unreachable(event, 'order policy');
  }
};

/** The order actor. */
export const orderBehavior: ActorBehavior<OrderState, OrderCommand> = behaviorFrom({
  name: 'order',
  decider: orderDecider,
  decode: decodeOrderCommand,
  prepare: unchanged,
  policy: orderPolicy,
});
