/**
 * The actor types and what each one's mailbox accepts, so a policy can only send a command the
 * receiver understands (the build breaks otherwise).
 */
import type { DeliveryCommand } from './delivery/messages.js';
import type { Send } from './kernel.js';
import type { OrderCommand } from './order/messages.js';
import type { PaymentCommand } from './payment/messages.js';
import type { StoreCommand } from './store/messages.js';

/** The actor type names: also the Redis names of their mailboxes. */
export const ACTOR_TYPES = ['order', 'payment', 'store', 'delivery'] as const;
export type ActorType = (typeof ACTOR_TYPES)[number];

/** The command union each actor type accepts. */
export interface Mailboxes {
  readonly order: OrderCommand;
  readonly payment: PaymentCommand;
  readonly store: StoreCommand;
  readonly delivery: DeliveryCommand;
}

/** A typed `Send`: `command` must be one the receiving actor type accepts. */
export function sendTo<T extends ActorType>(
  type: T,
  key: string,
  command: Mailboxes[T],
  delayMs?: number,
): Send {
  return delayMs === undefined
    ? { to: { type, key }, msg: command }
    : { to: { type, key }, msg: command, delayMs };
}
