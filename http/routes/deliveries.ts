/**
 * Deliveries (API.md). Read by the owning customer (another customer gets 404), staff, couriers and
 * admin; completed by the assigned courier (another courier gets 404), or by admin on the courier's
 * behalf.
 */
import type { Principal } from '../context.js';
import type { RouteDeps } from '../deps.js';
import { NotFoundError } from '../errors.js';
import type { DeliveryView } from '../ports.js';
import { route, type Route } from '../route.js';
import { Delivery, OrderIdParams, StepAccepted } from '../schemas.js';
import { answerStep } from './steps.js';

async function visibleDelivery(deps: RouteDeps, caller: Principal, orderId: string): Promise<DeliveryView> {
  const d = await deps.gateway.getDelivery(orderId);
  if (!d || (caller.role === 'customer' && d.customerId !== caller.sub)) {
    throw new NotFoundError(`no delivery for order ${orderId}`);
  }
  return d;
}

export function deliveryRoutes(deps: RouteDeps): Route[] {
  return [
    route({
      method: 'get',
      path: '/deliveries/:orderId',
      summary: "An order's delivery",
      tag: 'deliveries',
      access: ['customer', 'staff', 'courier', 'admin'],
      params: OrderIdParams,
      responses: { 200: { description: 'The delivery', schema: Delivery } },
      problems: [404],
      async handle(ctx, { params, caller }) {
        const d = await visibleDelivery(deps, caller, params.orderId);
        ctx.body = { orderId: d.orderId, status: d.status, courierId: d.courierId };
      },
    }),
    route({
      method: 'post',
      path: '/deliveries/:orderId/complete',
      summary: 'Complete a delivery (the assigned courier, or admin)',
      tag: 'deliveries',
      access: ['courier', 'admin'],
      params: OrderIdParams,
      responses: { 202: { description: 'Delivered', schema: StepAccepted } },
      problems: [404, 409, 503],
      async handle(ctx, { params, caller }) {
        const d = await visibleDelivery(deps, caller, params.orderId);
        if (caller.role === 'courier' && d.courierId !== caller.sub) {
          throw new NotFoundError(`no delivery of order ${params.orderId} is yours to complete`);
        }
        const courierId = caller.role === 'courier' ? caller.sub : null;
        answerStep(
          ctx,
          'delivery',
          params.orderId,
          await deps.gateway.completeDelivery(params.orderId, courierId),
        );
      },
    }),
  ];
}
