/** What both adapters' decoders share: the sort-key wrapper, history order and status guards. */
import type {
  DeliveryStatus,
  MessageKind,
  OrderStatus,
  PaymentStatus,
  StoreOrderStatus,
} from '../actors/events.js';

/** A decoded document with its sort key (ms since epoch), for the next page's cursor. */
export interface Scored<T> {
  readonly item: T;
  readonly score: number;
}

export const ORDER_STATUSES: readonly OrderStatus[] = [
  'Ordered',
  'Accepted',
  'Packed',
  'DeliveryStarted',
  'Delivered',
  'Cancelled',
  'Rejected',
];
export const PAYMENT_STATUSES: readonly PaymentStatus[] = ['Approved', 'Declined', 'Refunded'];
export const DELIVERY_STATUSES: readonly DeliveryStatus[] = ['Started', 'Delivered', 'Cancelled'];
export const MESSAGE_KINDS: readonly MessageKind[] = [
  'OrderPlaced',
  'DeliveryStarted',
  'DeliveryCompleted',
  'DeliveryCancelled',
  'OrderCancelled',
];
/** Every store-board status, in the order the Redis adapter declares their index keys. */
export const STORE_STATUSES: readonly StoreOrderStatus[] = ['Received', 'Accepted', 'Packed', 'Cancelled'];

/** `v` when it is one of `allowed`, else null (what we did not write is not trusted). */
export function oneOf<T extends string>(allowed: readonly T[], v: unknown): T | null {
  return typeof v === 'string' && (allowed as readonly string[]).includes(v) ? (v as T) : null;
}

/**
 * History labels in the order an order lives them. Each label is recorded once, and every path
 * through the lifecycle (placed, declined, delivered, cancelled before or after the delivery
 * started) meets them in this order, so the history is shown in it: the times come from several
 * actors, and the order hears of a step after the actor that took it (it may record `Packed` a few
 * milliseconds after the delivery recorded `DeliveryStarted`).
 */
const LIFECYCLE: readonly string[] = [
  'PaymentApproved',
  'PaymentDeclined',
  'Ordered',
  'Rejected',
  'Accepted',
  'Packed',
  'DeliveryStarted',
  'Delivered',
  'DeliveryCancelled',
  'Cancelled',
  'PaymentRefunded',
];
const rank = (label: string): number => {
  const i = LIFECYCLE.indexOf(label);
  return i < 0 ? LIFECYCLE.length : i;
};

/**
 * In lifecycle order; labels outside it last, oldest first (then by label), so the order never
 * depends on how the store keeps fields.
 */
export function sortHistory<T extends { readonly status: string; readonly at: string }>(history: T[]): T[] {
  return history.sort((a, b) => {
    const byRank = rank(a.status) - rank(b.status);
    if (byRank !== 0) return byRank;
    if (a.at !== b.at) return a.at < b.at ? -1 : 1;
    return a.status < b.status ? -1 : a.status > b.status ? 1 : 0;
  });
}
