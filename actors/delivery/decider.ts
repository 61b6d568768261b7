/** The delivery's decider: pure. The store's courier starts it, the courier (or an admin) completes it. */
import { unreachable, type Decider, type Decision, type Stamped } from '../kernel.js';
import type { StepOutcome } from '../outcomes.js';
import { isDelivery, type DeliveryEvent, type DeliveryInput, type DeliveryState } from './state.js';

type DeliveryDecision = Decision<DeliveryEvent, StepOutcome>;
const nothing: DeliveryDecision = { events: [] };
const notFound: DeliveryDecision = { events: [], reply: { kind: 'not-found' } };

function complete(courierId: string | null, state: DeliveryState): DeliveryDecision {
  if (!isDelivery(state)) return notFound;
  // Another courier must not learn that the delivery exists.
  if (courierId !== null && courierId !== state.courierId) return notFound;
  // Completed again (a retry after a 503 that said it may still take effect): the same answer.
  if (state.status === 'Delivered') return { events: [], reply: { kind: 'ok', status: 'Delivered' } };
  if (state.status !== 'Started')
    return { events: [], reply: { kind: 'invalid-transition', status: state.status } };
  return {
    events: [
      { type: 'DeliveryCompleted', data: { customerId: state.customerId, courierId: state.courierId } },
    ],
    reply: { kind: 'ok', status: 'Delivered' },
  };
}

function decide(command: DeliveryInput, state: DeliveryState): DeliveryDecision {
  switch (command.type) {
    case 'StartDelivery':
      // Once only; a tombstone means the order was cancelled first.
      if (state.status !== 'None' || command.courierId === null) return nothing;
      return {
        events: [
          {
            type: 'DeliveryStarted',
            data: { customerId: command.data.customerId, courierId: command.courierId },
          },
        ],
      };
    case 'CompleteDelivery':
      return complete(command.data.courierId, state);
    case 'CancelDelivery':
      // The order asks before it cancels, and the delivery decides: whatever came first here (the
      // courier's completion or the cancellation) wins, and the order is always answered.
      if (state.status === 'None') return { events: [{ type: 'DeliveryTombstoned', data: {} }] };
      if (!isDelivery(state)) return { events: [{ type: 'CancelRepeated', data: {} }] };
      switch (state.status) {
        case 'Started':
          return {
            events: [
              {
                type: 'DeliveryCancelled',
                data: { customerId: state.customerId, courierId: state.courierId },
              },
            ],
          };
        case 'Delivered':
          // A delivered appliance is not called back.
          return { events: [{ type: 'CancelRefused', data: { courierId: state.courierId } }] };
        default: // Cancelled
          return { events: [{ type: 'CancelRepeated', data: {} }] };
      }
    default:
      return unreachable(command, 'delivery decider');
  }
}

function evolve(state: DeliveryState, event: Stamped<DeliveryEvent>): DeliveryState {
  switch (event.type) {
    case 'DeliveryStarted': {
      const { version, orderId, customerId, courierId, at } = event.data;
      return { status: 'Started', version, orderId, customerId, courierId, startedAt: at, updatedAt: at };
    }
    case 'DeliveryCompleted':
      return isDelivery(state) ? { ...state, status: 'Delivered', updatedAt: event.data.at } : state;
    case 'DeliveryCancelled':
      return isDelivery(state) ? { ...state, status: 'Cancelled', updatedAt: event.data.at } : state;
    case 'DeliveryTombstoned':
      return { status: 'Tombstone', version: state.version };
    case 'CancelRefused':
    case 'CancelRepeated':
      return state;
    default:
      return unreachable(event, 'delivery decider');
  }
}

/** The delivery's decider. */
export const deliveryDecider: Decider<DeliveryState, DeliveryInput, DeliveryEvent, StepOutcome> = {
  initialState: () => ({ status: 'None', version: 0 }),
  decide,
  evolve,
};
