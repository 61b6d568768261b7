/** My page (CQRS read model): the calling customer's own orders only. */
import type { MyPageItem as MyPageItemView } from '../../views/port.js';
import type { RouteDeps } from '../deps.js';
import { NotFoundError } from '../errors.js';
import { route, type Route } from '../route.js';
import { MyPageItem, OrderIdParams, PageQuery, pageOf } from '../schemas.js';

/** The read model keeps the customer id for its own indexing; the client already knows it. */
function present(item: MyPageItemView): Omit<MyPageItemView, 'customerId'> {
  const { customerId: _customerId, ...rest } = item;
  return rest;
}

export function myPageRoutes(deps: RouteDeps): Route[] {
  return [
    route({
      method: 'get',
      path: '/myPages',
      data: 'views',
      summary: "The caller's orders, newest first",
      tag: 'myPages',
      access: ['customer'],
      query: PageQuery,
      responses: { 200: { description: 'One page', schema: pageOf(MyPageItem) } },
      async handle(ctx, { query, caller }) {
        const page = await deps.views.myPages(caller.sub, query.limit, query.cursor ?? null);
        ctx.body = { items: page.items.map(present), next: page.next };
      },
    }),
    route({
      method: 'get',
      path: '/myPages/:orderId',
      data: 'views',
      summary: 'One order on my page, with its history',
      tag: 'myPages',
      access: ['customer'],
      params: OrderIdParams,
      responses: { 200: { description: 'The order as my page shows it', schema: MyPageItem } },
      problems: [404],
      async handle(ctx, { params, caller }) {
        // The read model is looked up by (customer, order): another customer's order is not found.
        const item = await deps.views.myPage(caller.sub, params.orderId);
        if (!item || item.customerId !== caller.sub)
          throw new NotFoundError(`no order ${params.orderId} on your page`);
        ctx.body = present(item);
      },
    }),
  ];
}
