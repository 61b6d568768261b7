/** The delivery actor ('delivery'): the pre-step that picks the courier, the policy, the behaviour. */
import { behaviorFrom, unreachable, type ActorBehavior, type Policy } from '../kernel.js';
import { sendTo } from '../mailboxes.js';
import { deliveryDecider } from './decider.js';
import { decodeDeliveryCommand, type DeliveryCommand } from './messages.js';
import type { CourierRoster } from './roster.js';
import type { DeliveryEvent, DeliveryInput, DeliveryState } from './state.js';

/** The order follows the delivery, and is answered when it asks to cancel it. */
export const deliveryPolicy: Policy<DeliveryState, DeliveryEvent> = (event) => {
  const orderId = event.data.orderId;
  switch (event.type) {
    case 'DeliveryStarted':
      return [
        sendTo('order', orderId, { type: 'DeliveryStarted', data: { courierId: event.data.courierId } }),
      ];
    case 'DeliveryCompleted':
      return [
        sendTo('order', orderId, { type: 'DeliveryCompleted', data: { courierId: event.data.courierId } }),
      ];
    case 'DeliveryCancelled':
    case 'DeliveryTombstoned':
    case 'CancelRepeated':
      // Nothing will be delivered: the order's cancellation goes on.
      return [sendTo('order', orderId, { type: 'DeliveryCancelled', data: {} })];
    case 'CancelRefused':
      // Delivered before the cancellation arrived: the order follows the delivery instead.
      return [
        sendTo('order', orderId, { type: 'DeliveryCompleted', data: { courierId: event.data.courierId } }),
      ];
    default:
      return unreachable(event, 'delivery policy');
  }
};

/** The delivery actor; the roster is asked for a courier only when a delivery really starts. */
export function createDeliveryBehavior(roster: CourierRoster): ActorBehavior<DeliveryState, DeliveryCommand> {
  return behaviorFrom({
    name: 'delivery',
    decider: deliveryDecider,
    decode: decodeDeliveryCommand,
    async prepare(command, state): Promise<DeliveryInput> {
      if (command.type !== 'StartDelivery') return command;
      return { ...command, courierId: state.status === 'None' ? await roster.next() : null };
    },
    policy: deliveryPolicy,
  });
}
