import type { Context } from 'koa';
import type { UnauthorizedError } from './errors.js';

/** The user roles a token can carry (API.md). */
export const USER_ROLES = ['customer', 'staff', 'courier', 'admin'] as const;
export type UserRole = (typeof USER_ROLES)[number];

/** Who is calling, from a verified token. */
export interface Principal {
  readonly sub: string;
  readonly role: UserRole;
}

/** What the edge's middleware keeps on `ctx.state`; read it through `edgeState`. */
export interface EdgeState {
  requestId: string;
  /** Set when a valid bearer token came with the request. */
  principal: Principal | null;
  /** Why the token was refused, thrown only when a route needs a caller. */
  authError: UnauthorizedError | null;
  /** When the store guard answers 503 whatever the handler is doing (ms since epoch). */
  deadlineAt?: number;
}

/** Koa types `ctx.state` loosely; this is the one place that gives it a shape. */
export function edgeState(ctx: Context): EdgeState {
  return ctx.state;
}
