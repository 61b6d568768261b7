/** Decoding at the boundary: one zod schema per actor's mailbox, failures are terminal. */
import { z } from 'zod';
import { TerminalError } from './errors.js';
import type { Message } from './kernel.js';

/** A non-empty string (ids, tokens, addresses). */
export const id = z.string().min(1).max(200);

/** An amount in minor units (cents) of an ISO 4217 currency. */
export const money = { amount: z.number().int().nonnegative(), currency: z.string().regex(/^[A-Z]{3}$/) };

/** `OrderDetails` (events.ts) as a mailbox carries them. */
export const orderDetails = {
  customerId: id,
  productId: id,
  quantity: z.number().int().min(1),
  ...money,
  address: z.string().min(1).max(1000),
};

/**
 * Parses a message with the actor's schema. Throws a TerminalError naming the problem: a
 * malformed message never parses on retry, so it goes to the dead letters for a person to look at.
 */
export function decodeWith<M>(actor: string, schema: z.ZodType<M>, msg: Message): M {
  const parsed = schema.safeParse(msg);
  if (parsed.success) return parsed.data;
  throw new TerminalError(
    `${actor} cannot decode a '${String(msg.type)}' message: ${z.prettifyError(parsed.error)}. ` +
      'Fix the sender, then replay the dead letter.',
    { cause: parsed.error },
  );
}
