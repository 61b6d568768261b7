/**
 * The payment actor ('payment'): the pre-step that calls the provider, the policy (answers to
 * the order, the refund retry timer) and the behaviour.
 */
import { behaviorFrom, unreachable, type ActorBehavior, type ActorContext, type Policy } from '../kernel.js';
import { sendTo } from '../mailboxes.js';
import type { OrderCommand } from '../order/messages.js';
import { paymentDecider } from './decider.js';
import { decodePaymentCommand, type PaymentCommand } from './messages.js';
import type { PaymentProvider } from './provider.js';
import { refundRetryDelayMs, type PaymentEvent, type PaymentInput, type PaymentState } from './state.js';

type PaymentResult = Extract<OrderCommand, { type: 'PaymentResult' }>;

/** What the order is told about a payment that has an outcome (null: none yet). */
function outcomeOf(state: PaymentState): PaymentResult | null {
  switch (state.status) {
    case 'None':
      return null;
    case 'Approved':
    case 'Refunded':
      return { type: 'PaymentResult', data: { outcome: 'approved', chargeId: state.chargeId } };
    case 'Declined':
      return { type: 'PaymentResult', data: { outcome: 'declined' } };
    default:
      return unreachable(state, 'payment policy');
  }
}

/**
 * Every charge attempt is answered to the order (approved, declined or unavailable); a refund
 * is reported to the order; a refund the provider could not take is retried by a durable timer.
 */
export const paymentPolicy: Policy<PaymentState, PaymentEvent> = (event, state) => {
  const orderId = event.data.orderId;
  switch (event.type) {
    case 'PaymentApproved':
    case 'PaymentDeclined':
    case 'ChargeOutcomeRepeated': {
      const result = outcomeOf(state);
      return result === null ? [] : [sendTo('order', orderId, result)];
    }
    case 'ChargeUnavailable':
      return [
        sendTo('order', orderId, {
          type: 'PaymentResult',
          data: { outcome: 'unavailable', retryAfterSeconds: event.data.retryAfterSeconds },
        }),
      ];
    case 'PaymentRefunded':
      return [sendTo('order', orderId, { type: 'PaymentRefunded', data: { refundId: event.data.refundId } })];
    case 'RefundDeferred':
      return [
        sendTo(
          'payment',
          orderId,
          { type: 'RefundPayment', data: {} },
          refundRetryDelayMs(event.data.failures),
        ),
      ];
    default:
      return unreachable(event, 'payment policy');
  }
};

/** The pre-step: calls the provider only when the state needs it, with per-order idempotency keys. */
async function callProvider(
  provider: PaymentProvider,
  command: PaymentCommand,
  state: PaymentState,
  ctx: ActorContext,
): Promise<PaymentInput> {
  switch (command.type) {
    case 'ChargePayment': {
      if (state.status !== 'None') return { ...command, charge: null };
      const { amount, currency, paymentToken: token } = command.data;
      const charge = await provider.charge({ idempotencyKey: `charge:${ctx.key}`, amount, currency, token });
      return { ...command, charge };
    }
    case 'RefundPayment': {
      if (state.status !== 'Approved') return { type: 'RefundPayment', refund: null };
      const { chargeId, amount } = state;
      const refund = await provider.refund({ idempotencyKey: `refund:${ctx.key}`, chargeId, amount });
      return { type: 'RefundPayment', refund };
    }
    default:
      return unreachable(command, 'payment pre-step');
  }
}

/** The payment actor over a provider (the PSP client or the simulator). */
export function createPaymentBehavior(
  provider: PaymentProvider,
): ActorBehavior<PaymentState, PaymentCommand> & { readonly durable: true } {
  const behavior = behaviorFrom({
    name: 'payment',
    decider: paymentDecider,
    decode: decodePaymentCommand,
    prepare: (command, state, ctx) => callProvider(provider, command, state, ctx),
    policy: paymentPolicy,
  });
  // Charges and refunds: each commit waits for a replica before the order hears of it, so a
  // Redis failover cannot drop a payment outcome the order already acted on (docs/guarantees.md).
  return { ...behavior, durable: true };
}
