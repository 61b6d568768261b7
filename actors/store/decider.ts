/**
 * The store's decider (OrderManagement): pure. Staff accept, then pack; packing starts the
 * delivery. A cancellation that arrives first leaves a tombstone so the order is never received.
 */
import type { StoreOrderStatus } from '../events.js';
import { unreachable, type Decider, type Decision, type Stamped } from '../kernel.js';
import type { StepOutcome } from '../outcomes.js';
import type { StoreCommand } from './messages.js';
import { isStoreOrder, type StoreEvent, type StoreState } from './state.js';

type StoreDecision = Decision<StoreEvent, StepOutcome>;
const nothing: StoreDecision = { events: [] };

/** A staff step: only from `from`, to `to`; asked again once done, it answers the same. */
function step(state: StoreState, from: StoreOrderStatus, to: 'Accepted' | 'Packed'): StoreDecision {
  switch (state.status) {
    case 'None':
      return { events: [], reply: { kind: 'not-found' } };
    case 'Tombstone':
      // The order was cancelled before the store saw it.
      return { events: [], reply: { kind: 'invalid-transition', status: 'Cancelled' } };
    default: {
      // The same step again (a retry after a 503 that said it may still take effect): its outcome.
      if (state.status === to) return { events: [], reply: { kind: 'ok', status: to } };
      if (state.status !== from)
        return { events: [], reply: { kind: 'invalid-transition', status: state.status } };
      const data = { customerId: state.customerId };
      const event: StoreEvent =
        to === 'Accepted' ? { type: 'StoreOrderAccepted', data } : { type: 'StoreOrderPacked', data };
      return { events: [event], reply: { kind: 'ok', status: to } };
    }
  }
}

function decide(command: StoreCommand, state: StoreState): StoreDecision {
  switch (command.type) {
    case 'ReceiveOrder': {
      // Once only; a tombstone means the order was cancelled first.
      if (state.status !== 'None') return nothing;
      const { orderId: _orderId, ...data } = command.data;
      return { events: [{ type: 'StoreOrderReceived', data }] };
    }
    case 'AcceptOrder':
      return step(state, 'Received', 'Accepted');
    case 'PackOrder':
      return step(state, 'Accepted', 'Packed');
    case 'CancelStoreOrder':
      if (state.status === 'None') return { events: [{ type: 'StoreOrderTombstoned', data: {} }] };
      if (!isStoreOrder(state) || state.status === 'Cancelled') return nothing;
      return { events: [{ type: 'StoreOrderCancelled', data: { customerId: state.customerId } }] };
    default:
      return unreachable(command, 'store decider');
  }
}

function evolve(state: StoreState, event: Stamped<StoreEvent>): StoreState {
  switch (event.type) {
    case 'StoreOrderReceived': {
      const { version, orderId, customerId, productId, quantity, amount, currency, address, at } = event.data;
      return {
        status: 'Received',
        ...{ version, orderId, customerId, productId, quantity, amount, currency, address },
        receivedAt: at,
        updatedAt: at,
      };
    }
    case 'StoreOrderAccepted':
      return isStoreOrder(state) ? { ...state, status: 'Accepted', updatedAt: event.data.at } : state;
    case 'StoreOrderPacked':
      return isStoreOrder(state) ? { ...state, status: 'Packed', updatedAt: event.data.at } : state;
    case 'StoreOrderCancelled':
      return isStoreOrder(state) ? { ...state, status: 'Cancelled', updatedAt: event.data.at } : state;
    case 'StoreOrderTombstoned':
      return { status: 'Tombstone', version: state.version };
    default:
      return unreachable(event, 'store decider');
  }
}

/** The store's decider. */
export const storeDecider: Decider<StoreState, StoreCommand, StoreEvent, StepOutcome> = {
  initialState: () => ({ status: 'None', version: 0 }),
  decide,
  evolve,
};
