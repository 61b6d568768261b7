/** The delivery actor's mailbox ('delivery', keyed by order id). */
import { z } from 'zod';
import { decodeWith, id } from '../decode.js';
import type { Message } from '../kernel.js';

export type DeliveryCommand =
  /** Sent by the store once the order is packed. */
  | { readonly type: 'StartDelivery'; readonly data: { readonly customerId: string } }
  /** A request from the edge: the assigned courier, or an admin (`courierId` null). */
  | { readonly type: 'CompleteDelivery'; readonly data: { readonly courierId: string | null } }
  /** Sent by the order when its customer cancels: answered with DeliveryCancelled or DeliveryCompleted. */
  | { readonly type: 'CancelDelivery'; readonly data: Readonly<Record<string, never>> };

const schema: z.ZodType<DeliveryCommand> = z.discriminatedUnion('type', [
  z.object({ type: z.literal('StartDelivery'), data: z.object({ customerId: id }) }),
  z.object({ type: z.literal('CompleteDelivery'), data: z.object({ courierId: id.nullable() }) }),
  z.object({ type: z.literal('CancelDelivery'), data: z.object({}).transform(() => ({})) }),
]);

/** Decodes a mailbox entry; throws a TerminalError for anything malformed. */
export function decodeDeliveryCommand(msg: Message): DeliveryCommand {
  return decodeWith('delivery', schema, msg);
}
