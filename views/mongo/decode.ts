/** Decode lean Mongo documents into the port's types, once, here (a partial document is null). */
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

export type Raw = Record<string, unknown>;

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const num = (v: unknown): number => (typeof v === 'number' ? v : Number.NaN);
const date = (v: unknown): Date | null => (v instanceof Date ? v : null);

export function decodeMyPage(d: Raw | null): Scored<MyPageItem> | null {
  const createdAt = date(d?.createdAt);
  if (!d || !createdAt || typeof d._id !== 'string') return null;
  // A lean read gives the history Map as a plain object.
  const raw =
    d.history instanceof Map ? Object.fromEntries(d.history as Map<string, unknown>) : (d.history ?? {});
  const history = sortHistory(
    Object.entries(raw as Raw).flatMap(([status, at]) => {
      const when = date(at);
      return when ? [{ status, at: when.toISOString() }] : [];
    }),
  );
  const item: MyPageItem = {
    orderId: d._id,
    customerId: str(d.customerId),
    productId: str(d.productId),
    quantity: num(d.quantity),
    amount: num(d.amount),
    currency: str(d.currency),
    orderStatus: oneOf(ORDER, d.orderStatus),
    paymentStatus: oneOf(PAYMENT, d.paymentStatus),
    deliveryStatus: oneOf(DELIVERY, d.deliveryStatus),
    updatedAt: (date(d.updatedAt) ?? createdAt).toISOString(),
    history,
  };
  return { item, score: createdAt.getTime() };
}

export function decodeBoardItem(d: Raw): Scored<StoreBoardItem> | null {
  const receivedAt = date(d.receivedAt);
  const status = oneOf(STORE, d.status);
  if (!receivedAt || !status || typeof d._id !== 'string') return null;
  const item: StoreBoardItem = {
    orderId: d._id,
    status,
    productId: str(d.productId),
    quantity: num(d.quantity),
    address: str(d.address),
    receivedAt: receivedAt.toISOString(),
  };
  return { item, score: receivedAt.getTime() };
}

export function decodeMessage(d: Raw): Scored<CustomerMessage> | null {
  const createdAt = date(d.createdAt);
  const kind = oneOf(KINDS, d.kind);
  if (!createdAt || !kind || typeof d._id !== 'string') return null;
  const item: CustomerMessage = {
    messageId: d._id,
    customerId: str(d.customerId),
    orderId: str(d.orderId),
    kind,
    text: str(d.text),
    createdAt: createdAt.toISOString(),
  };
  return { item, score: createdAt.getTime() };
}
