/** The delivery as `GET /deliveries/{orderId}` shows it. */
import type { DeliveryStatus } from '../events.js';
import { isDelivery, type DeliveryState } from './state.js';

/** The delivery as the edge shows it. */
export interface DeliveryView {
  readonly orderId: string;
  readonly customerId: string;
  readonly status: DeliveryStatus;
  readonly courierId: string;
}

/** The delivery's view, or null when none started. */
export function deliveryView(state: DeliveryState): DeliveryView | null {
  if (!isDelivery(state)) return null;
  const { orderId, customerId, status, courierId } = state;
  return { orderId, customerId, status, courierId };
}
