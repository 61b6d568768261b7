/** The order actor's mailbox ('order', keyed by order id): what it is asked and told. */
import { z } from 'zod';
import { decodeWith, id, orderDetails } from '../decode.js';
import type { OrderDetails } from '../events.js';
import type { Message } from '../kernel.js';

type Empty = Readonly<Record<string, never>>;

/** What the customer orders; the edge computes `amount` from the catalogue. */
export interface PlaceOrderData extends OrderDetails {
  readonly orderId: string;
  /** Passed on to the payment actor, never kept in the order's state. */
  readonly paymentToken: string;
  /**
   * The hash of the request body when the customer sent an Idempotency-Key. The order keeps it,
   * so the same key with a different body is refused for as long as the order lives, not only
   * while the edge's 24 h record of the key does.
   */
  readonly requestHash?: string;
  /**
   * When the edge stops waiting for the answer (ms since epoch, by the edge's clock, less a
   * margin for the clocks' skew): a placing taken up after it is dropped, since the customer is
   * told no order was placed (N1). A placing taken up in time is given up by `AbandonPlacement`.
   */
  readonly answerBy?: number;
}

/** Past the edge's deadline (see PlaceOrderData.answerBy): nobody waits for this answer any more. */
export function pastAnswerBy(answerBy: number | undefined, now: number): boolean {
  return answerBy !== undefined && now > answerBy;
}

/** The payment actor's answer to `ChargePayment`. */
export type PaymentResultData =
  | { readonly outcome: 'approved'; readonly chargeId: string }
  | { readonly outcome: 'declined' }
  | { readonly outcome: 'unavailable'; readonly retryAfterSeconds: number };

export type OrderCommand =
  /** A request from the edge: answered once the payment's outcome is known. */
  | { readonly type: 'PlaceOrder'; readonly data: PlaceOrderData }
  | { readonly type: 'PaymentResult'; readonly data: PaymentResultData }
  /**
   * A request from the edge whose wait for `PlaceOrder`'s answer ended: the outcome if the order
   * was placed or declined by now; else the placing is given up (unless a later request of it
   * still waits: `answerBy`), and a charge approved after this is voided.
   */
  | {
      readonly type: 'AbandonPlacement';
      readonly data: { readonly customerId: string; readonly answerBy: number };
    }
  /** A request from the edge (the owner cancels). */
  | { readonly type: 'CancelOrder'; readonly data: { readonly customerId: string } }
  // Told by the other actors' policies, so the order follows its lifecycle.
  | { readonly type: 'StoreOrderAccepted'; readonly data: Empty }
  | { readonly type: 'StoreOrderPacked'; readonly data: Empty }
  | { readonly type: 'DeliveryStarted'; readonly data: { readonly courierId: string } }
  | { readonly type: 'DeliveryCompleted'; readonly data: { readonly courierId: string } }
  | { readonly type: 'DeliveryCancelled'; readonly data: Empty }
  | { readonly type: 'PaymentRefunded'; readonly data: { readonly refundId: string } };

const empty = z.object({}).transform((): Empty => ({}));

const schema: z.ZodType<OrderCommand> = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('PlaceOrder'),
    data: z.object({
      orderId: id,
      ...orderDetails,
      quantity: orderDetails.quantity.max(10), // API.md's limit, checked again here
      paymentToken: id,
      requestHash: z.string().min(1).max(128).optional(),
      answerBy: z.number().int().nonnegative().optional(),
    }),
  }),
  z.object({
    type: z.literal('PaymentResult'),
    data: z.discriminatedUnion('outcome', [
      z.object({ outcome: z.literal('approved'), chargeId: id }),
      z.object({ outcome: z.literal('declined') }),
      z.object({ outcome: z.literal('unavailable'), retryAfterSeconds: z.number().int().nonnegative() }),
    ]),
  }),
  z.object({
    type: z.literal('AbandonPlacement'),
    data: z.object({ customerId: id, answerBy: z.number().int().nonnegative() }),
  }),
  z.object({ type: z.literal('CancelOrder'), data: z.object({ customerId: id }) }),
  z.object({ type: z.literal('StoreOrderAccepted'), data: empty }),
  z.object({ type: z.literal('StoreOrderPacked'), data: empty }),
  z.object({ type: z.literal('DeliveryStarted'), data: z.object({ courierId: id }) }),
  z.object({ type: z.literal('DeliveryCompleted'), data: z.object({ courierId: id }) }),
  z.object({ type: z.literal('DeliveryCancelled'), data: empty }),
  z.object({ type: z.literal('PaymentRefunded'), data: z.object({ refundId: id }) }),
]);

/** Decodes a mailbox entry; throws a TerminalError for anything malformed. */
export function decodeOrderCommand(msg: Message): OrderCommand {
  return decodeWith('order', schema, msg);
}
