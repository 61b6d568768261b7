/** The payment as `GET /payments/{orderId}` shows it. */
import type { PaymentStatus } from '../events.js';
import type { PaymentState } from './state.js';

/** The payment as the edge shows it. */
export interface PaymentView {
  readonly orderId: string;
  readonly customerId: string;
  readonly status: PaymentStatus;
  readonly amount: number;
  readonly currency: string;
}

/** The payment's view, or null when nothing was charged for an order (an orphan is being voided). */
export function paymentView(state: PaymentState): PaymentView | null {
  if (state.status === 'None' || (state.status === 'Approved' && state.orphan)) return null;
  const { orderId, customerId, status, amount, currency } = state;
  return { orderId, customerId, status, amount, currency };
}
