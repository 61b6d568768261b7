/**
 * The payment's decider: pure. The provider was already called by the behaviour's pre-step, with
 * a stable idempotency key, and its answer arrives inside the command.
 */
import { unreachable, type Decider, type Decision, type Stamped } from '../kernel.js';
import type { PaymentEvent, PaymentInput, PaymentState } from './state.js';

type PaymentDecision = Decision<PaymentEvent, never>;
const nothing: PaymentDecision = { events: [] };

function charge(
  command: Extract<PaymentInput, { type: 'ChargePayment' }>,
  state: PaymentState,
): PaymentDecision {
  if (state.status !== 'None') return { events: [{ type: 'ChargeOutcomeRepeated', data: {} }] };
  const { customerId, amount, currency } = command.data;
  const result = command.charge;
  // The pre-step always calls the provider for a payment that has none yet.
  if (result === null) return nothing;
  switch (result.status) {
    case 'approved':
      return {
        events: [
          { type: 'PaymentApproved', data: { customerId, amount, currency, chargeId: result.chargeId } },
        ],
      };
    case 'declined':
      return { events: [{ type: 'PaymentDeclined', data: { customerId, amount, currency } }] };
    case 'unavailable':
      // Nothing is charged and nothing established: the customer is asked to retry shortly.
      return {
        events: [{ type: 'ChargeUnavailable', data: { retryAfterSeconds: result.retryAfterSeconds } }],
      };
    default:
      return unreachable(result, 'payment decider');
  }
}

function refund(
  command: Extract<PaymentInput, { type: 'RefundPayment' }>,
  state: PaymentState,
): PaymentDecision {
  // Only an approved charge is refunded, and only once.
  if (state.status !== 'Approved' || command.refund === null) return nothing;
  const result = command.refund;
  switch (result.status) {
    case 'succeeded': {
      const { customerId, amount, currency } = state;
      return {
        events: [
          { type: 'PaymentRefunded', data: { customerId, amount, currency, refundId: result.refundId } },
        ],
      };
    }
    case 'unavailable':
      return { events: [{ type: 'RefundDeferred', data: { failures: state.refundFailures + 1 } }] };
    default:
      return unreachable(result, 'payment decider');
  }
}

function decide(command: PaymentInput, state: PaymentState): PaymentDecision {
  switch (command.type) {
    case 'ChargePayment':
      return charge(command, state);
    case 'RefundPayment':
      return refund(command, state);
    default:
      return unreachable(command, 'payment decider');
  }
}

function evolve(state: PaymentState, event: Stamped<PaymentEvent>): PaymentState {
  switch (event.type) {
    case 'PaymentApproved': {
      const { version, orderId, customerId, amount, currency, chargeId } = event.data;
      return {
        status: 'Approved',
        version,
        orderId,
        customerId,
        amount,
        currency,
        chargeId,
        refundFailures: 0,
      };
    }
    case 'PaymentDeclined': {
      const { version, orderId, customerId, amount, currency } = event.data;
      return { status: 'Declined', version, orderId, customerId, amount, currency };
    }
    case 'PaymentRefunded':
      if (state.status !== 'Approved') return state;
      return {
        status: 'Refunded',
        version: state.version,
        orderId: state.orderId,
        customerId: state.customerId,
        amount: state.amount,
        currency: state.currency,
        chargeId: state.chargeId,
        refundId: event.data.refundId,
      };
    case 'RefundDeferred':
      return state.status === 'Approved' ? { ...state, refundFailures: event.data.failures } : state;
    case 'ChargeUnavailable':
    case 'ChargeOutcomeRepeated':
      return state;
    default:
      return unreachable(event, 'payment decider');
  }
}

/** The payment actor's decider. It answers no requests (the order does), hence replies `never`. */
export const paymentDecider: Decider<PaymentState, PaymentInput, PaymentEvent, never> = {
  initialState: () => ({ status: 'None', version: 0 }),
  decide,
  evolve,
};
