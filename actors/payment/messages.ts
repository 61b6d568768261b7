/** The payment actor's mailbox ('payment', keyed by order id). */
import { z } from 'zod';
import { decodeWith, id, money } from '../decode.js';
import type { Message } from '../kernel.js';

export interface ChargePaymentData {
  readonly orderId: string;
  readonly customerId: string;
  readonly amount: number;
  readonly currency: string;
  readonly paymentToken: string;
}

export type PaymentCommand =
  /** Sent by the order when a customer places it: charge once, answer with `PaymentResult`. */
  | { readonly type: 'ChargePayment'; readonly data: ChargePaymentData }
  /** Sent by the order when it is cancelled, and by the payment to itself (a durable retry timer). */
  | { readonly type: 'RefundPayment'; readonly data: Readonly<Record<string, never>> }
  /**
   * Sent by the payment to itself (a durable timer) after a charge whose outcome is unknown (the
   * provider timed out or failed after the request left): ask the provider again, under the same
   * idempotency key, whether it was charged, and void it if the order was not placed meanwhile.
   */
  | { readonly type: 'SettleCharge'; readonly data: ChargePaymentData & { readonly checks: number } }
  /** Sent by the payment to itself: refund a charge no order was placed with (see SettleCharge). */
  | { readonly type: 'VoidCharge'; readonly data: { readonly checks: number } }
  /**
   * Sent by the order when the charge was approved after the customer had been told no order was
   * placed (the edge's deadline passed): the charge is no order's, and is voided.
   */
  | { readonly type: 'AbandonCharge'; readonly data: Readonly<Record<string, never>> };

const checks = z.number().int().nonnegative().max(1_000_000);

const schema: z.ZodType<PaymentCommand> = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('ChargePayment'),
    data: z.object({
      orderId: id,
      customerId: id,
      ...money,
      paymentToken: id,
    }),
  }),
  z.object({ type: z.literal('RefundPayment'), data: z.object({}).transform(() => ({})) }),
  z.object({
    type: z.literal('SettleCharge'),
    data: z.object({ orderId: id, customerId: id, ...money, paymentToken: id, checks }),
  }),
  z.object({ type: z.literal('VoidCharge'), data: z.object({ checks }) }),
  z.object({ type: z.literal('AbandonCharge'), data: z.object({}).transform(() => ({})) }),
]);

/** Decodes a mailbox entry; throws a TerminalError for anything malformed. */
export function decodePaymentCommand(msg: Message): PaymentCommand {
  return decodeWith('payment', schema, msg);
}
