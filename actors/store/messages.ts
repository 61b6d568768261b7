/** The store's mailbox ('store': OrderManagement, keyed by order id). */
import { z } from 'zod';
import { decodeWith, id } from '../decode.js';
import type { Message } from '../kernel.js';

export interface ReceiveOrderData {
  readonly orderId: string;
  readonly customerId: string;
  readonly productId: string;
  readonly quantity: number;
  readonly amount: number;
  readonly currency: string;
  readonly address: string;
}

export type StoreCommand =
  /** Sent by the order once it is paid (`OrderPlaced`). */
  | { readonly type: 'ReceiveOrder'; readonly data: ReceiveOrderData }
  /** Requests from the edge (staff). */
  | { readonly type: 'AcceptOrder'; readonly data: { readonly staffId: string } }
  | { readonly type: 'PackOrder'; readonly data: { readonly staffId: string } }
  /** Sent by the order when it is cancelled. */
  | { readonly type: 'CancelStoreOrder'; readonly data: Readonly<Record<string, never>> };

const schema: z.ZodType<StoreCommand> = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('ReceiveOrder'),
    data: z.object({
      orderId: id,
      customerId: id,
      productId: id,
      quantity: z.number().int().min(1),
      amount: z.number().int().nonnegative(),
      currency: z.string().regex(/^[A-Z]{3}$/),
      address: z.string().min(1).max(1000),
    }),
  }),
  z.object({ type: z.literal('AcceptOrder'), data: z.object({ staffId: id }) }),
  z.object({ type: z.literal('PackOrder'), data: z.object({ staffId: id }) }),
  z.object({ type: z.literal('CancelStoreOrder'), data: z.object({}).transform(() => ({})) }),
]);

/** Decodes a mailbox entry; throws a TerminalError for anything malformed. */
export function decodeStoreCommand(msg: Message): StoreCommand {
  return decodeWith('store', schema, msg);
}
