/**
 * `POST /auth/token`: anyone, and only with `AUTH_MODE=dev`. In jwt mode the route is not
 * registered at all, so it answers 404 like any unknown path (and `/openapi.json` omits it).
 */
import type { RouteDeps } from '../deps.js';
import { route, type Route } from '../route.js';
import { TokenRequest, TokenResponse } from '../schemas.js';

export function authRoutes(deps: RouteDeps): Route[] {
  const issue = deps.auth.issue;
  if (!issue) return [];
  return [
    route({
      method: 'post',
      path: '/auth/token',
      summary: 'Issue a development token (AUTH_MODE=dev only)',
      tag: 'auth',
      access: 'public',
      body: TokenRequest,
      responses: { 200: { description: 'A signed HS256 token', schema: TokenResponse } },
      async handle(ctx, { body }) {
        ctx.body = await issue(body.sub, body.role);
      },
    }),
  ];
}
