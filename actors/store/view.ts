/** The store order as the staff's board shows it. */
import type { StoreOrderStatus } from '../events.js';
import { iso } from '../outcomes.js';
import { isStoreOrder, type StoreState } from './state.js';

/** Structurally views/port.ts `StoreBoardItem`. */
export interface StoreOrderView {
  readonly orderId: string;
  readonly status: StoreOrderStatus;
  readonly productId: string;
  readonly quantity: number;
  readonly address: string;
  readonly receivedAt: string;
}

/** The store order's view, or null when the store never received it. */
export function storeOrderView(state: StoreState): StoreOrderView | null {
  if (!isStoreOrder(state)) return null;
  const { orderId, status, productId, quantity, address } = state;
  return { orderId, status, productId, quantity, address, receivedAt: iso(state.receivedAt) };
}
