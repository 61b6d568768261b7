/**
 * The payment's decider: pure. The provider was already called by the behaviour's pre-step, with
 * a stable idempotency key, and its answer arrives inside the command.
 */
import { unreachable, type Decider, type Decision, type Stamped } from '../kernel.js';
import type { PaymentEvent, PaymentInput, PaymentState } from './state.js';

type PaymentDecision = Decision<PaymentEvent, never>;

/** Retry-After for a customer whose earlier charge is still being voided. */
const VOID_RETRY_SECONDS = 5;
const nothing: PaymentDecision = { events: [] };

function charge(
  command: Extract<PaymentInput, { type: 'ChargePayment' }>,
  state: PaymentState,
): PaymentDecision {
  const { customerId, amount, currency } = command.data;
  if (state.status === 'Approved' && state.orphan) {
    // A refund of it was tried and its outcome is unknown: it may be refunded already, so it
    // cannot be the order's. The customer is asked to retry once the void is through.
    if (state.refundFailures > 0) {
      return { events: [{ type: 'ChargeUnavailable', data: { retryAfterSeconds: VOID_RETRY_SECONDS } }] };
    }
    // The order is placed again while its earlier charge, found after the fact, awaits its void:
    // that charge is the order's after all (the pending void then finds nothing to do).
    return {
      events: [{ type: 'PaymentApproved', data: { customerId, amount, currency, chargeId: state.chargeId } }],
    };
  }
  if (state.status !== 'None') return { events: [{ type: 'ChargeOutcomeRepeated', data: {} }] };
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
    case 'unavailable': {
      // No order is established: the customer is asked to retry shortly. If the request may have
      // reached the provider, it is asked again later, and a charge it did take is voided.
      const unavailable: PaymentEvent = {
        type: 'ChargeUnavailable',
        data: { retryAfterSeconds: result.retryAfterSeconds },
      };
      if (!result.inDoubt) return { events: [unavailable] };
      const { paymentToken, orderId } = command.data;
      return {
        events: [
          unavailable,
          {
            type: 'ChargeInDoubt',
            data: {
              orderId,
              customerId,
              amount,
              currency,
              paymentToken,
              checks: 0,
              afterMs: command.settleAfterMs,
            },
          },
        ],
      };
    }
    default:
      return unreachable(result, 'payment decider');
  }
}

/** Asks again about a charge in doubt; nothing to do once anything else settled it. */
function settle(
  command: Extract<PaymentInput, { type: 'SettleCharge' }>,
  state: PaymentState,
): PaymentDecision {
  if (state.status !== 'None' || !state.inDoubt || command.charge === null) return nothing;
  const result = command.charge;
  const { customerId, amount, currency } = command.data;
  switch (result.status) {
    case 'approved':
      return {
        events: [
          { type: 'OrphanCharged', data: { customerId, amount, currency, chargeId: result.chargeId } },
        ],
      };
    case 'declined':
      return { events: [{ type: 'ChargeSettled', data: {} }] };
    case 'unavailable':
      return {
        events: [{ type: 'SettleDeferred', data: { ...command.data, checks: command.data.checks + 1 } }],
      };
    default:
      return unreachable(result, 'payment decider');
  }
}

/** Refunds a charge no order was placed with; the order may then be charged anew. */
function voidCharge(
  command: Extract<PaymentInput, { type: 'VoidCharge' }>,
  state: PaymentState,
): PaymentDecision {
  if (state.status !== 'Approved' || !state.orphan || command.refund === null) return nothing;
  const result = command.refund;
  switch (result.status) {
    case 'succeeded':
      return { events: [{ type: 'ChargeVoided', data: { refundId: result.refundId } }] };
    case 'unavailable':
      return { events: [{ type: 'VoidDeferred', data: { checks: command.data.checks + 1 } }] };
    default:
      return unreachable(result, 'payment decider');
  }
}

function refund(
  command: Extract<PaymentInput, { type: 'RefundPayment' }>,
  state: PaymentState,
): PaymentDecision {
  // Only an approved charge is refunded, and only once (an orphan charge is voided instead).
  if (state.status !== 'Approved' || state.orphan || command.refund === null) return nothing;
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
    case 'SettleCharge':
      return settle(command, state);
    case 'VoidCharge':
      return voidCharge(command, state);
    case 'AbandonCharge':
      // Only a charge the order has not taken is abandoned (an orphan is being voided already).
      return state.status === 'Approved' && !state.orphan
        ? { events: [{ type: 'ChargeAbandoned', data: {} }] }
        : nothing;
    default:
      return unreachable(command, 'payment decider');
  }
}

/** The number of the order's current charge, carried from state to state (absent: the first). */
function attemptOf(state: PaymentState): { readonly attempt?: number } {
  return state.attempt === undefined ? {} : { attempt: state.attempt };
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
        ...attemptOf(state),
      };
    }
    case 'OrphanCharged': {
      if (state.status !== 'None') return state;
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
        orphan: true,
        ...attemptOf(state),
      };
    }
    case 'PaymentDeclined': {
      const { version, orderId, customerId, amount, currency } = event.data;
      return { status: 'Declined', version, orderId, customerId, amount, currency, ...attemptOf(state) };
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
        ...attemptOf(state),
      };
    case 'ChargeInDoubt':
      return state.status === 'None' ? { ...state, inDoubt: true } : state;
    case 'ChargeSettled':
      return state.status === 'None'
        ? { status: 'None', version: state.version, ...attemptOf(state) }
        : state;
    case 'ChargeAbandoned':
      return state.status === 'Approved' ? { ...state, orphan: true } : state;
    case 'ChargeVoided':
      // The next charge of this order is a new one, under a new idempotency key.
      return state.status === 'Approved' && state.orphan
        ? { status: 'None', version: state.version, attempt: (state.attempt ?? 1) + 1 }
        : state;
    case 'RefundDeferred':
      return state.status === 'Approved' ? { ...state, refundFailures: event.data.failures } : state;
    case 'VoidDeferred':
      // Counted as the refund's failures: from now on the charge is never adopted.
      return state.status === 'Approved' && state.orphan
        ? { ...state, refundFailures: event.data.checks }
        : state;
    case 'ChargeUnavailable':
    case 'ChargeOutcomeRepeated':
    case 'SettleDeferred':
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
