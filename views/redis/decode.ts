/**
 * Decode what the Lua scripts wrote (hashes of strings, message JSON) back into the port's
 * types, once, here. A document without its creation facts is partial (a later event arrived
 * before the one that creates it) and is not shown yet: it has no order line and no sort key.
 */
import {
  DELIVERY_STATUSES as DELIVERY,
  MESSAGE_KINDS as KINDS,
  oneOf,
  ORDER_STATUSES as ORDER,
  PAYMENT_STATUSES as PAYMENT,
  sortHistory,
  STORE_STATUSES as STORE,
  type Scored,
} from '../documents.js';
import type { CustomerMessage, MyPageItem, StoreBoardItem } from '../port.js';

const iso = (ms: number): string => new Date(ms).toISOString();

export function decodeMyPage(h: Record<string, string>): Scored<MyPageItem> | null {
  const { orderId, customerId, createdAt } = h;
  if (orderId === undefined || customerId === undefined || createdAt === undefined) return null;
  const score = Number(createdAt);
  const history = sortHistory(
    Object.entries(h)
      .filter(([k]) => k.startsWith('h:'))
      .map(([k, at]) => ({ status: k.slice(2), at: iso(Number(at)) })),
  );
  const item: MyPageItem = {
    orderId,
    customerId,
    productId: h.productId ?? '',
    quantity: Number(h.quantity),
    amount: Number(h.amount),
    currency: h.currency ?? '',
    orderStatus: oneOf(ORDER, h.orderStatus),
    paymentStatus: oneOf(PAYMENT, h.paymentStatus),
    deliveryStatus: oneOf(DELIVERY, h.deliveryStatus),
    updatedAt: iso(Number(h.updatedAt ?? createdAt)),
    history,
  };
  return { item, score };
}

export function decodeBoardItem(h: Record<string, string>): Scored<StoreBoardItem> | null {
  const status = oneOf(STORE, h.status);
  const { orderId, receivedAt } = h;
  if (orderId === undefined || receivedAt === undefined || status === null) return null;
  const score = Number(receivedAt);
  const item: StoreBoardItem = {
    orderId,
    status,
    productId: h.productId ?? '',
    quantity: Number(h.quantity),
    address: h.address ?? '',
    receivedAt: iso(score),
  };
  return { item, score };
}

export function decodeMessage(json: string | null): Scored<CustomerMessage> | null {
  if (json === null) return null;
  const m = JSON.parse(json) as Record<string, unknown>;
  const kind = oneOf(KINDS, m.kind);
  const { messageId, customerId, orderId, text, createdAt } = m;
  if (
    kind === null ||
    typeof messageId !== 'string' ||
    typeof customerId !== 'string' ||
    typeof orderId !== 'string' ||
    typeof text !== 'string' ||
    typeof createdAt !== 'string'
  ) {
    return null;
  }
  return { item: { messageId, customerId, orderId, kind, text, createdAt }, score: Date.parse(createdAt) };
}
