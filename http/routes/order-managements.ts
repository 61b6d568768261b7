/**
 * The store's order management: staff only, as API.md says (admin reads orders, payments,
 * deliveries and the runtime's state, not the store's board).
 */
import type { RouteDeps } from '../deps.js';
import { route, type Route } from '../route.js';
import { OrderIdParams, StepAccepted, StoreBoardItem, StoreBoardQuery, pageOf } from '../schemas.js';
import { answerStep } from './steps.js';

export function orderManagementRoutes(deps: RouteDeps): Route[] {
  const step = (action: 'accept' | 'pack', summary: string): ReturnType<typeof route> =>
    route({
      method: 'post',
      path: `/ordermanagements/:orderId/${action}`,
      summary,
      tag: 'ordermanagements',
      access: ['staff'],
      params: OrderIdParams,
      responses: { 202: { description: 'Done', schema: StepAccepted } },
      problems: [404, 409, 503],
      async handle(ctx, { params, caller }) {
        const outcome =
          action === 'accept'
            ? await deps.gateway.acceptStoreOrder(params.orderId, caller.sub)
            : await deps.gateway.packStoreOrder(params.orderId, caller.sub);
        answerStep(ctx, 'store order', params.orderId, outcome);
      },
    });
  return [
    route({
      method: 'get',
      path: '/ordermanagements',
      data: 'views',
      summary: "The store's board of orders",
      tag: 'ordermanagements',
      access: ['staff'],
      query: StoreBoardQuery,
      responses: { 200: { description: 'One page', schema: pageOf(StoreBoardItem) } },
      async handle(ctx, { query }) {
        const page = await deps.views.storeBoard(query.status ?? null, query.limit, query.cursor ?? null);
        ctx.body = {
          items: page.items.map((i) => ({
            orderId: i.orderId,
            status: i.status,
            productId: i.productId,
            quantity: i.quantity,
            address: i.address,
            receivedAt: i.receivedAt,
          })),
          next: page.next,
        };
      },
    }),
    step('accept', 'Accept a received order'),
    step('pack', 'Pack an accepted order (starts the delivery)'),
  ];
}
