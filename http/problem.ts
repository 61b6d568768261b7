import type { Context, Middleware } from 'koa';
import type { Logger } from 'pino';
import {
  HttpError,
  MethodNotAllowedError,
  NotFoundError,
  storeAwayError,
  storeLateError,
  isTimeout,
  PayloadTooLargeError,
  ValidationError,
  type ProblemCode,
} from './errors.js';
import { edgeState } from './context.js';

/** RFC 9457 problem details, as every error response of the edge carries it. */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: ProblemCode;
  readonly [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Problem types are URNs: stable identifiers that need no documentation host. */
export function problemType(code: ProblemCode): string {
  return `urn:appliance-store:problem:${code}`;
}

/** The errors of a data store that cannot be reached now (the MongoDB driver's, ioredis's). */
const BACKEND_AWAY =
  /^(Mongo(ose)?(Network|NetworkTimeout|ServerSelection|NotConnected|TopologyClosed)Error|MaxRetriesPerRequestError)$/;

function isBackendAway(err: { name?: unknown }): boolean {
  return typeof err.name === 'string' && BACKEND_AWAY.test(err.name);
}

/**
 * Errors from outside the edge that are the client's fault, or retryable: koa-bodyparser's (raw-body /
 * co-body carry `status` and `type`), zlib's for a body that does not decode, and other modules' exposed `validation` errors (a tampered
 * read-model cursor).
 */
function fromOthers(err: unknown): HttpError | null {
  if (typeof err !== 'object' || err === null) return null;
  const { status, type, code, expose, message } = err as Record<string, unknown>;
  if (code === 'validation' && expose === true && typeof message === 'string')
    return new ValidationError(message);
  if (status === 413 || type === 'entity.too.large') {
    return new PayloadTooLargeError('the body must be at most 64 KiB');
  }
  if (type === 'entity.parse.failed') return new ValidationError('the body is not valid JSON');
  if (status === 400 || status === 415) return new ValidationError('the body could not be read as JSON');
  // A body whose Content-Encoding (gzip, deflate) does not decode: zlib's errors carry no status.
  if (typeof code === 'string' && /^Z_[A-Z_]+$/.test(code)) {
    return new ValidationError('the body could not be decoded as its Content-Encoding says');
  }
  // A store the edge reads from is away (Mongo read models down or frozen, Redis gone past its
  // retries): retryable, like readiness says, not an internal error.
  if (isBackendAway(err)) return storeAwayError();
  // An actor that did not answer in time (its role is down or far behind): try again shortly.
  if (isTimeout(err)) return storeLateError();
  return null;
}

function send(ctx: Context, err: HttpError, detail: string): void {
  for (const [name, value] of Object.entries(err.headers)) ctx.set(name, value);
  const body: Problem = {
    ...err.extensions,
    type: problemType(err.code),
    title: err.title,
    status: err.status,
    detail,
    code: err.code,
  };
  ctx.status = err.status;
  ctx.type = PROBLEM_CONTENT_TYPE;
  ctx.body = body;
}

/**
 * The one error middleware: maps every error to problem+json. 4xx details are shown to the
 * client; a 5xx that is not one of ours is logged with the request id and answered as
 * `internal` with no internals in the body.
 */
export function problemMiddleware(logger: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      // The router leaves unknown paths and wrong methods without a body; make them problems too.
      if (ctx.body === undefined || ctx.body === null) {
        if (ctx.status === 404) throw new NotFoundError(`no route for ${ctx.method} ${ctx.path}`);
        // The router answers a method it implements nowhere (TRACE, PROPFIND) with a bare 501; for
        // the client it is the same mistake as a 405, and every error must be problem+json.
        if (ctx.status === 405 || ctx.status === 501)
          throw new MethodNotAllowedError(ctx.response.get('Allow'));
      }
    } catch (err) {
      const known = err instanceof HttpError ? err : fromOthers(err);
      if (known) {
        send(ctx, known, known.expose ? known.message : known.title);
        if (known.status >= 500)
          logger.warn({ reqId: edgeState(ctx).requestId, code: known.code }, known.message);
        return;
      }
      logger.error({ reqId: edgeState(ctx).requestId, err }, 'unhandled error');
      send(
        ctx,
        new InternalError(),
        'an unexpected error occurred; quote the X-Request-Id when reporting it',
      );
    }
  };
}

class InternalError extends HttpError {
  override readonly name = 'InternalError';
  readonly code = 'internal';
  readonly status = 500;
  readonly title = 'Internal server error';
}
