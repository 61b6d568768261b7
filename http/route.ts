import type { Context } from 'koa';
import type { Router } from '@koa/router';
import { z } from 'zod';
import { edgeState, type Principal, type UserRole } from './context.js';
import { ForbiddenError, UnauthorizedError, ValidationError } from './errors.js';
import type { Guard } from './store-guard.js';

/**
 * One route, described once: the router runs it and `/openapi.json` is generated from the same
 * description, so validation and documentation cannot drift apart.
 */
export type Method = 'get' | 'post';
/** 'public': anyone, no token needed; otherwise the roles that may call it. */
export type Access = 'public' | readonly UserRole[];
/** Which of the store's data a route uses: the actors' (Redis) or the read models only. */
export type StoreData = 'store' | 'views';

export interface ResponseDoc {
  readonly description: string;
  readonly schema?: z.ZodType;
  /** Response header name → description. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Media type when not JSON (e.g. the metrics text). */
  readonly contentType?: string;
}

type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface RouteInput<P, Q, B, H, A extends Access> {
  readonly params: Out<P>;
  readonly query: Out<Q>;
  readonly body: Out<B>;
  readonly headers: Out<H>;
  readonly caller: A extends 'public' ? Principal | null : Principal;
}

export interface RouteSpec<P, Q, B, H, A extends Access> {
  readonly method: Method;
  /** Koa path template, e.g. `/orders/:orderId`. */
  readonly path: string;
  readonly summary: string;
  readonly tag: string;
  readonly access: A;
  readonly params?: P;
  readonly query?: Q;
  readonly body?: B;
  /** Request headers the route reads; keys in lower case. */
  readonly headers?: H;
  readonly responses: Readonly<Record<number, ResponseDoc>>;
  /** Error statuses beyond the ones implied by access and inputs (400, 401, 403, 429, 500). */
  readonly problems?: readonly number[];
  /** Not rate limited (probes and scrapes). */
  readonly ops?: boolean;
  /**
   * 'views': reads the read models only (no actor state, no Redis of its own), so it is served
   * while they answer, also when Redis is away (they may live in Mongo). Default 'store'.
   */
  readonly data?: StoreData;
  handle(ctx: Context, input: RouteInput<P, Q, B, H, A>): Promise<void>;
}

/** A route with its types erased, as the router and the OpenAPI generator see it. */
export interface Route {
  readonly method: Method;
  readonly path: string;
  readonly summary: string;
  readonly tag: string;
  readonly access: Access;
  readonly params?: z.ZodType;
  readonly query?: z.ZodType;
  readonly body?: z.ZodType;
  readonly headers?: z.ZodType;
  readonly responses: Readonly<Record<number, ResponseDoc>>;
  readonly problems: readonly number[];
  readonly ops: boolean;
  readonly data: StoreData;
  /** Check, read the body, validate, then handle; `guard` (if given) wraps the handling only. */
  run(ctx: Context, how?: RunOptions): Promise<void>;
}

/** What the router gives a route to run with. */
export interface RunOptions {
  /** Wraps the handling (store-guard.ts). */
  readonly guard?: Guard | undefined;
  /** Reads the request body into `ctx.request.body`, once the caller may make the call (body.ts). */
  readonly readBody?: ((ctx: Context) => Promise<void>) | undefined;
}

/** A route that reads or writes the store's data: every one that needs a token. */
export function usesStore(r: Route): boolean {
  return r.access !== 'public' && !r.ops;
}

function parse<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const errors = result.error.issues.map((issue) => ({
    path: [where, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
  throw new ValidationError(errors.map((e) => `${e.path}: ${e.message}`).join('; '), errors);
}

/** Authenticate and authorize: 401 without a valid token, 403 for a role not in `access`. */
export function authorize(ctx: Context, access: readonly UserRole[]): Principal {
  const state = edgeState(ctx);
  if (!state.principal) throw state.authError ?? new UnauthorizedError('send Authorization: Bearer <token>');
  if (!access.includes(state.principal.role)) {
    throw new ForbiddenError(`this needs the role ${access.join(' or ')}`);
  }
  return state.principal;
}

function hasJsonBody(ctx: Context): boolean {
  const body: unknown = ctx.request.body;
  return typeof body === 'object' && body !== null && Object.keys(body).length > 0;
}

function pickHeaders(ctx: Context, schema: z.ZodType): Record<string, string> {
  const shape = schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
  const picked: Record<string, string> = {};
  for (const name of shape) {
    // A header sent empty is validated (and refused), not taken as absent: an empty
    // Idempotency-Key must not silently place an order without idempotency.
    if (ctx.headers[name] !== undefined) picked[name] = ctx.get(name);
  }
  return picked;
}

/** Describe a route; the returned object validates its inputs in order auth → role → inputs. */
export function route<
  P extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
  H extends z.ZodType | undefined = undefined,
  const A extends Access = Access,
>(spec: RouteSpec<P, Q, B, H, A>): Route {
  const access: Access = spec.access;
  const run = async (ctx: Context, { guard, readBody }: RunOptions = {}): Promise<void> => {
    const caller = access === 'public' ? edgeState(ctx).principal : authorize(ctx, access);
    if (readBody) await readBody(ctx);
    // Probes and scrapes take what their tools send; every API call refuses what it would ignore.
    if (spec.query === undefined && !spec.ops && ctx.querystring !== '') {
      throw new ValidationError('query: this call takes no query parameters');
    }
    if (spec.body === undefined && hasJsonBody(ctx)) {
      throw new ValidationError('body: this call takes no body fields');
    }
    if (spec.body !== undefined && !ctx.request.is('application/json')) {
      throw new ValidationError('body: send a JSON body with Content-Type: application/json');
    }
    const input = {
      params: spec.params ? parse(spec.params, ctx.params, 'params') : undefined,
      query: spec.query ? parse(spec.query, { ...ctx.query }, 'query') : undefined,
      body: spec.body ? parse(spec.body, ctx.request.body, 'body') : undefined,
      headers: spec.headers ? parse(spec.headers, pickHeaders(ctx, spec.headers), 'headers') : undefined,
      caller,
    } as RouteInput<P, Q, B, H, A>;
    const handle = () => spec.handle(ctx, input);
    await (guard ? guard(ctx, handle) : handle());
  };
  return {
    method: spec.method,
    path: spec.path,
    summary: spec.summary,
    tag: spec.tag,
    access,
    ...(spec.params ? { params: spec.params } : {}),
    ...(spec.query ? { query: spec.query } : {}),
    ...(spec.body ? { body: spec.body } : {}),
    ...(spec.headers ? { headers: spec.headers } : {}),
    responses: spec.responses,
    problems: spec.problems ?? [],
    ops: spec.ops ?? false,
    data: spec.data ?? 'store',
    run,
  };
}

/**
 * Register routes on a router; the router's path templates are what metrics label `route`.
 * `guards` wrap the handling of the routes that use the store's data, by the data they use;
 * `readBody` reads a request's body (none is read without it).
 */
export function mount(
  router: Router,
  routes: readonly Route[],
  opts: {
    readonly guards?: Record<StoreData, Guard>;
    readonly readBody?: (ctx: Context) => Promise<void>;
  } = {},
): void {
  for (const r of routes) {
    const how: RunOptions = {
      guard: usesStore(r) ? opts.guards?.[r.data] : undefined,
      readBody: opts.readBody,
    };
    router[r.method](r.path, (ctx) => r.run(ctx, how));
  }
}
