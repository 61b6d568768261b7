/**
 * The order's decider: pure. An order exists only once paid (N1): `PlaceOrder` asks the payment
 * actor and waits in `Paying`; the payment's answer establishes it (`Ordered`), rejects it, or
 * (provider unavailable) drops it again so the customer can retry.
 */
import type { OrderStatus } from '../events.js';
import {
  fold,
  unreachable,
  type ActorContext,
  type Decider,
  type Decision,
  type Stamped,
} from '../kernel.js';
import type { StepOutcome } from '../outcomes.js';
import { pastAnswerBy, type OrderCommand, type PaymentResultData } from './messages.js';
import { isEstablished, type EstablishedOrder, type OrderEvent, type OrderState } from './state.js';
import { isKeyReused, placedAnswer, viewOf, type OrderView, type PlaceOrderOutcome } from './view.js';

/** Every answer the order gives. */
export type OrderReply = PlaceOrderOutcome | StepOutcome;
type OrderDecision = Decision<OrderEvent, OrderReply>;

const nothing: OrderDecision = { events: [] };

/** Where each status sits in the lifecycle: followed events only ever move an order forward. */
const progress: { readonly [S in OrderStatus]: number } = {
  Ordered: 1,
  Accepted: 2,
  Packed: 3,
  DeliveryStarted: 4,
  Delivered: 5,
  // Final: nothing moves them on.
  Cancelled: Number.POSITIVE_INFINITY,
  Rejected: Number.POSITIVE_INFINITY,
};

const cancellable: ReadonlySet<OrderStatus> = new Set(['Ordered', 'Accepted', 'Packed', 'DeliveryStarted']);

/**
 * A different customer reusing an order id: the edge makes ids unique per customer, so this is
 * a race or a bug; answer "try again" and never show another customer's order.
 */
const foreign: PlaceOrderOutcome = { kind: 'unavailable', retryAfterSeconds: 1 };

function placeOrder(
  command: Extract<OrderCommand, { type: 'PlaceOrder' }>,
  state: OrderState,
  ctx: ActorContext,
): OrderDecision {
  const { orderId: _orderId, paymentToken, ...details } = command.data;
  // Taken up after the edge stopped waiting (the order role was down or far behind): the customer
  // was told no order was placed, so none is, and nothing is charged.
  if (pastAnswerBy(details.answerBy, ctx.now)) return nothing;
  switch (state.status) {
    case 'None':
      return {
        events: [{ type: 'PaymentRequested', data: { ...details, paymentToken, replyTo: ctx.replyTo } }],
      };
    case 'Paying':
      if (state.details.customerId !== details.customerId) return { events: [], reply: foreign };
      if (isKeyReused(state.requestHash, details.requestHash)) {
        return { events: [], reply: { kind: 'key-reused' } };
      }
      // A retried request: answer it too when the payment's outcome arrives.
      if (ctx.replyTo === null) return nothing;
      return {
        events: [
          {
            type: 'WaiterAdded',
            data: {
              replyTo: ctx.replyTo,
              ...(details.answerBy === undefined ? {} : { answerBy: details.answerBy }),
            },
          },
        ],
      };
    default:
      if (state.details.customerId !== details.customerId) return { events: [], reply: foreign };
      return { events: [], reply: placedAnswer(state, details.requestHash) };
  }
}

function paymentResult(result: PaymentResultData, state: OrderState, ctx: ActorContext): OrderDecision {
  // Only the answer to a pending charge counts; a late or repeated one changes nothing.
  if (state.status !== 'Paying') return nothing;
  // Every waiter gave up and was told no order was placed: none is (an approved charge is voided;
  // a decline leaves no Rejected order either). The decision rests on the mailbox's order of
  // AbandonPlacement and this answer, not on clocks, so a redelivery decides the same.
  if (state.abandoned && result.outcome !== 'unavailable') {
    return { events: [{ type: 'PlacementAbandoned', data: {} }] };
  }
  const { customerId, productId, quantity, amount, currency, address } = state.details;
  let events: OrderEvent[];
  let answer: (view: OrderView) => PlaceOrderOutcome;
  switch (result.outcome) {
    case 'approved':
      events = [
        { type: 'OrderPlaced', data: { customerId, productId, quantity, amount, currency, address } },
        { type: 'OrderStatusChanged', data: { customerId, status: 'Ordered' } },
      ];
      answer = (order) => ({ kind: 'placed', order });
      break;
    case 'declined':
      events = [
        { type: 'OrderRejected', data: { customerId, productId, quantity, amount, currency } },
        { type: 'OrderStatusChanged', data: { customerId, status: 'Rejected' } },
      ];
      answer = (order) => ({ kind: 'declined', order });
      break;
    case 'unavailable': {
      const outcome: PlaceOrderOutcome = { kind: 'unavailable', retryAfterSeconds: result.retryAfterSeconds };
      return {
        events: [{ type: 'PaymentUnavailable', data: { retryAfterSeconds: result.retryAfterSeconds } }],
        replies: state.waiters.map((to) => ({ to, body: outcome })),
      };
    }
    default:
      return unreachable(result, 'order decider');
  }
  const after = fold(evolve, state, events, ctx).state;
  if (!isEstablished(after)) throw new Error('order decider: a paid or declined order must be established');
  const body = answer(viewOf(after));
  return { events, replies: state.waiters.map((to) => ({ to, body })) };
}

/** The answer an edge gets when a placing is given up or nothing was placed: try again. */
const notPlaced: PlaceOrderOutcome = { kind: 'unavailable', retryAfterSeconds: 1 };

/**
 * The edge stopped waiting for a placing's answer: the outcome if there is one now, else the
 * placing is given up, unless a later request of the same order (a retry) still waits.
 */
function abandonPlacement(
  command: Extract<OrderCommand, { type: 'AbandonPlacement' }>,
  state: OrderState,
): OrderDecision {
  const { customerId, answerBy } = command.data;
  switch (state.status) {
    case 'None':
      return { events: [], reply: notPlaced };
    case 'Paying':
      if (state.details.customerId !== customerId) return { events: [], reply: foreign };
      if (state.abandoned) return { events: [], reply: notPlaced };
      // A retry waits longer (or without a deadline): it gets the outcome; this request is told to
      // try again, which reaches the same placing.
      if (state.answerBy === undefined || state.answerBy > answerBy) return { events: [], reply: notPlaced };
      return { events: [{ type: 'PlacementGivenUp', data: {} }], reply: notPlaced };
    default:
      if (state.details.customerId !== customerId) return { events: [], reply: foreign };
      return { events: [], reply: placedAnswer(state, undefined) };
  }
}

/**
 * The customer cancels. The delivery is asked first and decides (its courier may be completing it
 * at this moment); the order is cancelled, and refunded, when the delivery answers that nothing
 * will be delivered, and the request is answered then (`deliveryCancelled`, `deliveryCompleted`).
 */
function cancelOrder(customerId: string, state: OrderState, ctx: ActorContext): OrderDecision {
  if (!isEstablished(state) || state.details.customerId !== customerId) {
    return { events: [], reply: { kind: 'not-found' } };
  }
  // Cancelling again answers the same and does nothing: nothing is refunded twice.
  if (state.status === 'Cancelled') return { events: [], reply: { kind: 'ok', status: 'Cancelled' } };
  if (!cancellable.has(state.status))
    return { events: [], reply: { kind: 'not-cancellable', status: state.status } };
  if (state.cancelWaiters !== undefined) {
    // The delivery is asked again: its answer (or the question) may have been lost, for instance
    // to a dead letter; it answers a repeated question the same.
    return { events: [{ type: 'CancellationRepeated', data: { replyTo: ctx.replyTo } }] };
  }
  return { events: [{ type: 'CancellationRequested', data: { customerId, replyTo: ctx.replyTo } }] };
}

/** The delivery answered a cancellation: nothing will be delivered, so the order is cancelled. */
function deliveryCancelled(state: OrderState): OrderDecision {
  if (!isEstablished(state) || state.cancelWaiters === undefined) return nothing;
  const customerId = state.details.customerId;
  const body: StepOutcome = { kind: 'ok', status: 'Cancelled' };
  return {
    events: [
      { type: 'OrderCancelled', data: { customerId } },
      { type: 'OrderStatusChanged', data: { customerId, status: 'Cancelled' } },
    ],
    replies: state.cancelWaiters.map((to) => ({ to, body })),
  };
}

/** Delivered: the order follows; a cancellation that waited for the delivery is refused. */
function deliveryCompleted(state: OrderState): OrderDecision {
  const followed = follow('Delivered', state);
  if (!isEstablished(state) || state.cancelWaiters === undefined) return followed;
  const body: StepOutcome = { kind: 'not-cancellable', status: 'Delivered' };
  return { ...followed, replies: state.cancelWaiters.map((to) => ({ to, body })) };
}

/** Follows the store and delivery: forward moves only, never out of Cancelled or Rejected. */
function follow(status: OrderStatus, state: OrderState): OrderDecision {
  if (!isEstablished(state) || progress[status] <= progress[state.status]) return nothing;
  return { events: [{ type: 'OrderStatusChanged', data: { customerId: state.details.customerId, status } }] };
}

function decide(command: OrderCommand, state: OrderState, ctx: ActorContext): OrderDecision {
  switch (command.type) {
    case 'PlaceOrder':
      return placeOrder(command, state, ctx);
    case 'PaymentResult':
      return paymentResult(command.data, state, ctx);
    case 'AbandonPlacement':
      return abandonPlacement(command, state);
    case 'CancelOrder':
      return cancelOrder(command.data.customerId, state, ctx);
    case 'StoreOrderAccepted':
      return follow('Accepted', state);
    case 'StoreOrderPacked':
      return follow('Packed', state);
    case 'DeliveryStarted':
      return follow('DeliveryStarted', state);
    case 'DeliveryCompleted':
      return deliveryCompleted(state);
    case 'DeliveryCancelled':
      // Only an order's own cancellation cancels its delivery: this is the delivery's answer.
      return deliveryCancelled(state);
    case 'PaymentRefunded':
      if (!isEstablished(state) || state.refunded) return nothing;
      return { events: [{ type: 'RefundRecorded', data: { refundId: command.data.refundId } }] };
    default:
      return unreachable(command, 'order decider');
  }
}

function evolve(state: OrderState, event: Stamped<OrderEvent>): OrderState {
  switch (event.type) {
    case 'PaymentRequested': {
      const { customerId, productId, quantity, amount, currency, address, replyTo, requestHash, answerBy } =
        event.data;
      return {
        status: 'Paying',
        version: state.version,
        orderId: event.data.orderId,
        details: { customerId, productId, quantity, amount, currency, address },
        waiters: replyTo === null ? [] : [replyTo],
        ...(requestHash === undefined ? {} : { requestHash }),
        ...(answerBy === undefined || replyTo === null ? {} : { answerBy }),
      };
    }
    case 'WaiterAdded': {
      if (state.status !== 'Paying') return state;
      // A retry of a given-up placing takes it up again (the payment's outcome places it).
      const { answerBy: _previous, abandoned: _given, ...paying } = state;
      // The latest deadline counts, and a waiter without one takes it away; after a give-up (or
      // with nobody waiting) the new waiter's alone counts.
      const added = event.data.answerBy;
      let answerBy: number | undefined;
      if (state.abandoned || state.waiters.length === 0) answerBy = added;
      else if (state.answerBy !== undefined && added !== undefined)
        answerBy = Math.max(state.answerBy, added);
      return {
        ...paying,
        waiters: [...state.waiters, event.data.replyTo],
        ...(answerBy === undefined ? {} : { answerBy }),
      };
    }
    case 'PlacementGivenUp':
      return state.status === 'Paying' ? { ...state, waiters: [], abandoned: true } : state;
    case 'PaymentUnavailable':
    case 'PlacementAbandoned':
      return { status: 'None', version: state.version };
    case 'OrderPlaced':
    case 'OrderRejected':
      return state.status === 'Paying' ? establish(state, event) : state;
    case 'OrderStatusChanged': {
      if (!isEstablished(state)) return state;
      const { status, at } = event.data;
      const moved = { ...state, status, updatedAt: at };
      if (cancellable.has(status)) return moved;
      // Cancelled or Delivered: a cancellation waiting for the delivery has its answer.
      const { cancelWaiters: _answered, ...settled } = moved;
      return settled;
    }
    case 'CancellationRequested':
      if (!isEstablished(state)) return state;
      return { ...state, cancelWaiters: event.data.replyTo === null ? [] : [event.data.replyTo] };
    case 'CancellationRepeated': {
      const { replyTo } = event.data;
      return isEstablished(state) && state.cancelWaiters !== undefined && replyTo !== null
        ? { ...state, cancelWaiters: [...state.cancelWaiters, replyTo] }
        : state;
    }
    case 'OrderCancelled':
      // The status moves with the OrderStatusChanged that always follows.
      return state;
    case 'RefundRecorded':
      return isEstablished(state) ? { ...state, refunded: true } : state;
    default:
      return unreachable(event, 'order decider');
  }
}

function establish(
  paying: Extract<OrderState, { status: 'Paying' }>,
  event: Stamped<Extract<OrderEvent, { type: 'OrderPlaced' | 'OrderRejected' }>>,
): EstablishedOrder {
  const { orderId, details, requestHash } = paying;
  const { at, version } = event.data;
  const status = event.type === 'OrderPlaced' ? 'Ordered' : 'Rejected';
  return {
    status,
    version,
    orderId,
    details,
    createdAt: at,
    updatedAt: at,
    refunded: false,
    ...(requestHash === undefined ? {} : { requestHash }),
  };
}

/** The order actor's decider. */
export const orderDecider: Decider<OrderState, OrderCommand, OrderEvent, OrderReply> = {
  initialState: () => ({ status: 'None', version: 0 }),
  decide,
  evolve,
};
