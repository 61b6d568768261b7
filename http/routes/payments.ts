/** Payments: read by the owning customer and admin only (staff and couriers do not see money). */
import type { RouteDeps } from '../deps.js';
import { NotFoundError } from '../errors.js';
import { route, type Route } from '../route.js';
import { OrderIdParams, Payment } from '../schemas.js';

export function paymentRoutes(deps: RouteDeps): Route[] {
  return [
    route({
      method: 'get',
      path: '/payments/:orderId',
      summary: "An order's payment",
      tag: 'payments',
      access: ['customer', 'admin'],
      params: OrderIdParams,
      responses: { 200: { description: 'The payment', schema: Payment } },
      problems: [404],
      async handle(ctx, { params, caller }) {
        const p = await deps.gateway.getPayment(params.orderId);
        if (!p || (caller.role === 'customer' && p.customerId !== caller.sub)) {
          throw new NotFoundError(`no payment for order ${params.orderId}`);
        }
        ctx.body = { orderId: p.orderId, status: p.status, amount: p.amount, currency: p.currency };
      },
    }),
  ];
}
