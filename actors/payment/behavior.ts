/**
 * The payment actor ('payment'): the pre-step that calls the provider, the policy (answers to
 * the order, the refund retry timer) and the behaviour.
 */
import { behaviorFrom, unreachable, type ActorBehavior, type ActorContext, type Policy } from '../kernel.js';
import { sendTo } from '../mailboxes.js';
import type { OrderCommand } from '../order/messages.js';
import { paymentDecider } from './decider.js';
import { decodePaymentCommand, type PaymentCommand } from './messages.js';
import type { PaymentProvider, RefundResult } from './provider.js';
import {
  paymentKey,
  refundRetryDelayMs,
  type PaymentEvent,
  type PaymentInput,
  type PaymentState,
} from './state.js';

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
    case 'ChargeInDoubt':
    case 'SettleDeferred': {
      const { customerId, amount, currency, paymentToken, checks } = event.data;
      const afterMs = event.type === 'ChargeInDoubt' ? event.data.afterMs : refundRetryDelayMs(checks);
      const data = { orderId, customerId, amount, currency, paymentToken, checks };
      return [sendTo('payment', orderId, { type: 'SettleCharge', data }, afterMs)];
    }
    case 'OrphanCharged':
    case 'ChargeAbandoned':
      return [sendTo('payment', orderId, { type: 'VoidCharge', data: { checks: 0 } })];
    case 'VoidDeferred':
      return [
        sendTo(
          'payment',
          orderId,
          { type: 'VoidCharge', data: { checks: event.data.checks } },
          refundRetryDelayMs(event.data.checks),
        ),
      ];
    case 'ChargeSettled':
    case 'ChargeVoided':
      return [];
    default:
      return unreachable(event, 'payment policy');
  }
};

/** The payment actor's settings. */
export interface PaymentOptions {
  /** How long after a charge in doubt the provider is asked again (PAYMENT_SETTLE_MS). */
  readonly settleAfterMs: number;
}

function refundOf(
  provider: PaymentProvider,
  state: Extract<PaymentState, { status: 'Approved' }>,
  ctx: ActorContext,
): Promise<RefundResult> {
  const idempotencyKey = paymentKey('refund', ctx.key, state.attempt);
  return provider.refund({ idempotencyKey, chargeId: state.chargeId, amount: state.amount });
}

/** The pre-step: calls the provider only when the state needs it, with per-charge idempotency keys. */
async function callProvider(
  provider: PaymentProvider,
  options: PaymentOptions,
  command: PaymentCommand,
  state: PaymentState,
  ctx: ActorContext,
): Promise<PaymentInput> {
  switch (command.type) {
    case 'ChargePayment': {
      const { settleAfterMs } = options;
      if (state.status !== 'None') return { ...command, charge: null, settleAfterMs };
      const { amount, currency, paymentToken: token } = command.data;
      const idempotencyKey = paymentKey('charge', ctx.key, state.attempt);
      const charge = await provider.charge({ idempotencyKey, amount, currency, token });
      return { ...command, charge, settleAfterMs };
    }
    case 'SettleCharge': {
      if (state.status !== 'None' || !state.inDoubt) return { ...command, charge: null };
      // The same key as the charge in doubt: the provider answers its outcome, charging nothing
      // more; if that request never arrived, this one charges, and the charge is voided as well.
      const { amount, currency, paymentToken: token } = command.data;
      const idempotencyKey = paymentKey('charge', ctx.key, state.attempt);
      const charge = await provider.charge({ idempotencyKey, amount, currency, token });
      return { ...command, charge };
    }
    case 'RefundPayment': {
      // A cancelled order's charge; an orphan charge is voided instead (VoidCharge).
      if (state.status !== 'Approved' || state.orphan) return { type: 'RefundPayment', refund: null };
      return { type: 'RefundPayment', refund: await refundOf(provider, state, ctx) };
    }
    case 'VoidCharge': {
      if (state.status !== 'Approved' || !state.orphan) return { ...command, refund: null };
      return { ...command, refund: await refundOf(provider, state, ctx) };
    }
    case 'AbandonCharge':
      return { type: 'AbandonCharge' };
    default:
      return unreachable(command, 'payment pre-step');
  }
}

/** The payment actor over a provider (the PSP client or the simulator). */
export function createPaymentBehavior(
  provider: PaymentProvider,
  options: PaymentOptions,
): ActorBehavior<PaymentState, PaymentCommand> & { readonly durable: true } {
  const behavior = behaviorFrom({
    name: 'payment',
    decider: paymentDecider,
    decode: decodePaymentCommand,
    prepare: (command, state, ctx) => callProvider(provider, options, command, state, ctx),
    policy: paymentPolicy,
  });
  // Charges and refunds: each commit waits for a replica before the order hears of it, so a
  // Redis failover cannot drop a payment outcome the order already acted on (docs/guarantees.md).
  return { ...behavior, durable: true };
}
