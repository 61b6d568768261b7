/** The store's mailbox ('store': OrderManagement, keyed by order id). */
import { z } from 'zod';
import { decodeWith, id, orderDetails } from '../decode.js';
import type { OrderDetails } from '../events.js';
import type { Message } from '../kernel.js';

export interface ReceiveOrderData extends OrderDetails {
  readonly orderId: string;
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
    data: z.object({ orderId: id, ...orderDetails }),
  }),
  z.object({ type: z.literal('AcceptOrder'), data: z.object({ staffId: id }) }),
  z.object({ type: z.literal('PackOrder'), data: z.object({ staffId: id }) }),
  z.object({ type: z.literal('CancelStoreOrder'), data: z.object({}).transform(() => ({})) }),
]);

/** Decodes a mailbox entry; throws a TerminalError for anything malformed. */
export function decodeStoreCommand(msg: Message): StoreCommand {
  return decodeWith('store', schema, msg);
}
