/** The calling customer's messages (their own only). */
import type { RouteDeps } from '../deps.js';
import { route, type Route } from '../route.js';
import { Message, PageQuery, pageOf } from '../schemas.js';

export function messageRoutes(deps: RouteDeps): Route[] {
  return [
    route({
      method: 'get',
      path: '/messages',
      data: 'views',
      summary: "The caller's messages, newest first",
      tag: 'messages',
      access: ['customer'],
      query: PageQuery,
      responses: { 200: { description: 'One page', schema: pageOf(Message) } },
      async handle(ctx, { query, caller }) {
        const page = await deps.views.messages(caller.sub, query.limit, query.cursor ?? null);
        ctx.body = {
          items: page.items.map((m) => ({
            messageId: m.messageId,
            orderId: m.orderId,
            kind: m.kind,
            text: m.text,
            createdAt: m.createdAt,
          })),
          next: page.next,
        };
      },
    }),
  ];
}
