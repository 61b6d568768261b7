/** Operations for the `admin` role: mailboxes, actor states, dead letters. */
import { z } from 'zod';
import type { RouteDeps } from '../deps.js';
import { NotFoundError } from '../errors.js';
import { route, type Route } from '../route.js';
import {
  ActorParams,
  ActorState,
  DeadLetter,
  DeadLetterParams,
  DeadLetterQuery,
  Mailbox,
  Replayed,
} from '../schemas.js';

export function adminRoutes(deps: RouteDeps): Route[] {
  return [
    route({
      method: 'get',
      path: '/admin/mailboxes',
      summary: 'Per actor type and shard: length, lag, pending, owner',
      tag: 'admin',
      access: ['admin'],
      responses: { 200: { description: 'Mailboxes', schema: z.object({ items: z.array(Mailbox) }) } },
      async handle(ctx) {
        ctx.body = { items: await deps.admin.mailboxes() };
      },
    }),
    route({
      method: 'get',
      path: '/admin/actors/:type/:key',
      summary: "An actor's state and version",
      tag: 'admin',
      access: ['admin'],
      params: ActorParams,
      responses: { 200: { description: 'The actor', schema: ActorState } },
      problems: [404],
      async handle(ctx, { params }) {
        const found = await deps.admin.actor(params.type, params.key);
        if (!found) throw new NotFoundError(`no ${params.type} actor ${params.key}`);
        ctx.body = { type: params.type, key: params.key, state: found.state, version: found.version };
      },
    }),
    route({
      method: 'get',
      path: '/admin/dead-letters',
      summary: 'Messages that failed for good',
      tag: 'admin',
      access: ['admin'],
      query: DeadLetterQuery,
      responses: { 200: { description: 'Dead letters', schema: z.object({ items: z.array(DeadLetter) }) } },
      async handle(ctx, { query }) {
        ctx.body = { items: await deps.admin.deadLetters(query.limit) };
      },
    }),
    route({
      method: 'post',
      path: '/admin/dead-letters/:id/replay',
      summary: 'Send a dead letter back to its mailbox',
      tag: 'admin',
      access: ['admin'],
      params: DeadLetterParams,
      responses: { 202: { description: 'Replayed', schema: Replayed } },
      problems: [404],
      async handle(ctx, { params }) {
        if (!(await deps.admin.replayDeadLetter(params.id)))
          throw new NotFoundError(`no dead letter ${params.id}`);
        ctx.status = 202;
        ctx.body = { id: params.id, replayed: true };
      },
    }),
  ];
}
