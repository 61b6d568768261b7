import { RequestTimeoutError, type ActorRuntime } from '../streams/index.js';
import {
  orderView,
  replayAnswer,
  paymentView,
  deliveryView,
  type OrderState,
  type PaymentState,
  type DeliveryState,
} from '../actors/index.js';
import type { PlaceOrderCommand, PlaceOrderOutcome, StepOutcome, StoreGateway } from '../http/ports.js';

/** A reply crossing the stream boundary: check its discriminant before trusting it. */
function outcome<T extends { kind: string }>(reply: unknown, kinds: readonly string[]): T {
  if (
    typeof reply === 'object' &&
    reply !== null &&
    kinds.includes(String((reply as { kind?: unknown }).kind))
  ) {
    return reply as T;
  }
  throw new Error(`unexpected reply from an actor: ${JSON.stringify(reply)}`);
}

const STEP_KINDS = ['ok', 'not-found', 'not-cancellable', 'invalid-transition'] as const;

/**
 * How much earlier than the edge gives up the order stops taking a placing up (its `answerBy`):
 * room for the clocks' skew. Also how long the edge then waits for `AbandonPlacement`'s answer.
 */
export function answerByMargin(timeoutMs: number): number {
  return Math.min(2000, Math.floor(timeoutMs / 4));
}

/**
 * The edge's view of the store: commands are requests to the actors (waiting for their answer);
 * reads come from the actors' committed states, so a client reads its own writes.
 */
export function runtimeGateway(rt: ActorRuntime, timeoutMs: number): StoreGateway {
  const step = async (type: string, key: string, msg: { type: string; data: unknown }) =>
    outcome<StepOutcome>(await rt.request({ type, key }, msg, timeoutMs), STEP_KINDS);
  const stateOf = async <S>(type: string, key: string): Promise<S | null> => {
    const s = await rt.state(type, key);
    return s ? (s.state as S) : null;
  };
  return {
    async placeOrder(cmd: PlaceOrderCommand, deadlineAt?: number): Promise<PlaceOrderOutcome> {
      const order = { type: 'order', key: cmd.orderId };
      const margin = answerByMargin(timeoutMs);
      const now = Date.now();
      // Both waits end before the edge's own deadline for the request (the guard answers then).
      const waitMs = Math.min(timeoutMs, (deadlineAt ?? Number.POSITIVE_INFINITY) - now - margin - 500);
      const answerBy = now + waitMs - margin;
      if (answerBy <= now) throw new RequestTimeoutError('order', waitMs);
      let reply: unknown;
      try {
        reply = await rt.request(order, { type: 'PlaceOrder', data: { ...cmd, answerBy } }, waitMs);
      } catch (err) {
        // No answer in time, or the connection failed with the placing perhaps in the mailbox: the
        // order gives the placing up, or answers the outcome it has by now. Without an answer to
        // that either, the outcome is unknown: a timeout, which the edge answers "may still be placed".
        const abandon = { type: 'AbandonPlacement', data: { customerId: cmd.customerId, answerBy } };
        try {
          reply = await rt.request(order, abandon, margin);
        } catch {
          throw err instanceof RequestTimeoutError ? err : new RequestTimeoutError('order', waitMs);
        }
      }
      return outcome<PlaceOrderOutcome>(reply, ['placed', 'declined', 'unavailable', 'key-reused']);
    },
    async getOrder(orderId) {
      const s = await stateOf<OrderState>('order', orderId);
      return s ? orderView(s) : null;
    },
    async replayOrder(orderId, customerId, requestHash) {
      const s = await stateOf<OrderState>('order', orderId);
      return s ? replayAnswer(s, customerId, requestHash) : null;
    },
    cancelOrder: (orderId, customerId) =>
      step('order', orderId, { type: 'CancelOrder', data: { customerId } }),
    acceptStoreOrder: (orderId, staffId) =>
      step('store', orderId, { type: 'AcceptOrder', data: { staffId } }),
    packStoreOrder: (orderId, staffId) => step('store', orderId, { type: 'PackOrder', data: { staffId } }),
    async getDelivery(orderId) {
      const s = await stateOf<DeliveryState>('delivery', orderId);
      return s ? deliveryView(s) : null;
    },
    completeDelivery: (orderId, courierId) =>
      step('delivery', orderId, { type: 'CompleteDelivery', data: { courierId } }),
    async getPayment(orderId) {
      const s = await stateOf<PaymentState>('payment', orderId);
      return s ? paymentView(s) : null;
    },
  };
}
