/** What the customer is told (F6, F9): the message for a domain event, and its stable id. */
import { createHash } from 'node:crypto';
import { findProduct } from '../catalogue.js';
import type { DomainEvent, DomainEventType, MessageKind } from '../events.js';
import { unreachable } from '../kernel.js';

/** `12345` EUR → `EUR 123.45`. */
export function formatMoney(amount: number, currency: string): string {
  return `${currency} ${(amount / 100).toFixed(2)}`;
}

/**
 * The event types the customer is not told about: `messageFor` answers null for exactly these (the
 * notifier's consumer group acknowledges them unread: `Subscriber.ignores`).
 */
export const untoldEvents = [
  'OrderRejected',
  'OrderStatusChanged',
  'PaymentApproved',
  'PaymentDeclined',
  'PaymentRefunded',
  'StoreOrderReceived',
  'StoreOrderAccepted',
  'StoreOrderPacked',
  'StoreOrderCancelled',
] as const satisfies readonly Exclude<DomainEventType, MessageKind>[];

/** The customer message for an event, or null when the customer is not told about it. */
export function messageFor(event: DomainEvent): { readonly kind: MessageKind; readonly text: string } | null {
  switch (event.type) {
    case 'OrderPlaced': {
      const { orderId, productId, quantity, amount, currency } = event.data;
      const name = findProduct(productId)?.name ?? productId;
      return {
        kind: 'OrderPlaced',
        text: `Thank you! Your order ${orderId} for ${quantity} × ${name} (${formatMoney(amount, currency)}) is placed and paid.`,
      };
    }
    case 'DeliveryStarted':
      return {
        kind: 'DeliveryStarted',
        text: `Your order ${event.data.orderId} is on its way: courier ${event.data.courierId} is delivering it.`,
      };
    case 'DeliveryCompleted':
      return {
        kind: 'DeliveryCompleted',
        text: `Your order ${event.data.orderId} has been delivered. Enjoy it!`,
      };
    case 'DeliveryCancelled':
      return {
        kind: 'DeliveryCancelled',
        text: `The delivery of your order ${event.data.orderId} has been cancelled.`,
      };
    case 'OrderCancelled':
      return {
        kind: 'OrderCancelled',
        text: `Your order ${event.data.orderId} has been cancelled; your payment will be refunded.`,
      };
    case 'OrderRejected':
    case 'OrderStatusChanged':
    case 'PaymentApproved':
    case 'PaymentDeclined':
    case 'PaymentRefunded':
    case 'StoreOrderReceived':
    case 'StoreOrderAccepted':
    case 'StoreOrderPacked':
    case 'StoreOrderCancelled':
      return null;
    default:
      return unreachable(event, 'messageFor');
  }
}

/**
 * One message id per (order, kind), so a redelivered event makes the same message and the
 * gateway (`Idempotency-Key`) and the read model can drop repeats.
 */
export function messageId(orderId: string, kind: MessageKind): string {
  return createHash('sha256').update(`${orderId}:${kind}`).digest('hex').slice(0, 32);
}
