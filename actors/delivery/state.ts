/** The delivery actor's state and events. */
import type { DeliveryStatus } from '../events.js';
import type { DomainEventBody } from '../kernel.js';
import type { DeliveryCommand } from './messages.js';

/** A delivery that started, with its courier. */
export interface Delivery {
  readonly status: DeliveryStatus;
  readonly version: number;
  readonly orderId: string;
  readonly customerId: string;
  readonly courierId: string;
  readonly startedAt: number;
  readonly updatedAt: number;
}

export type DeliveryState =
  | { readonly status: 'None'; readonly version: number }
  /** Cancelled before it started: a late `StartDelivery` is ignored. */
  | { readonly status: 'Tombstone'; readonly version: number }
  | Delivery;

/** The decider's commands: `StartDelivery` carries the courier the pre-step took from the roster. */
export type DeliveryInput =
  | (Extract<DeliveryCommand, { type: 'StartDelivery' }> & { readonly courierId: string | null })
  | Exclude<DeliveryCommand, { type: 'StartDelivery' }>;

export type DeliveryEvent =
  | DomainEventBody<'DeliveryStarted'>
  | DomainEventBody<'DeliveryCompleted'>
  | DomainEventBody<'DeliveryCancelled'>
  // Internal (not published).
  | { readonly type: 'DeliveryTombstoned'; readonly data: Readonly<Record<string, never>> }
  /** Asked to cancel once delivered: the order is told it was delivered (the courier won the race). */
  | { readonly type: 'CancelRefused'; readonly data: { readonly courierId: string } }
  /** Asked to cancel again once cancelled: the order is told again that nothing will be delivered. */
  | { readonly type: 'CancelRepeated'; readonly data: Readonly<Record<string, never>> };

/** True for a delivery that started. */
export function isDelivery(state: DeliveryState): state is Delivery {
  return state.status !== 'None' && state.status !== 'Tombstone';
}
