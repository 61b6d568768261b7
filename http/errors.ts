/**
 * The edge's error classes. Each has a stable machine-readable `code` and an HTTP `status`; the
 * problem middleware (problem.ts) turns them into `application/problem+json`. Throw these from
 * routes and middleware; anything else becomes a 500 `internal` with no details.
 *
 * The codes are API.md's list, which clients switch on, and nothing else but `internal` (a bug, 500).
 * The statuses API.md gives no code of their own take the nearest: 405 (a method the path does not
 * have) `not-found`, 413 (a body over 64 KiB) `validation`, 503 while a process starts or stops
 * `overloaded` (like every other "try again shortly").
 */
export const PROBLEM_CODES = [
  'validation',
  'unauthorized',
  'forbidden',
  'not-found',
  'payment-declined',
  'payment-unavailable',
  'not-cancellable',
  'invalid-transition',
  'idempotency-key-reused',
  'rate-limited',
  'overloaded',
  'internal',
] as const;
export type ProblemCode = (typeof PROBLEM_CODES)[number];

/** Base of every error the edge answers with; `expose` follows Koa: only 4xx details reach clients. */
export abstract class HttpError extends Error {
  abstract readonly code: ProblemCode;
  abstract readonly status: number;
  abstract readonly title: string;
  /** Extra response headers (Retry-After, WWW-Authenticate, Allow). */
  readonly headers: Readonly<Record<string, string>> = {};
  /** RFC 9457 extension members added to the problem body. */
  readonly extensions: Readonly<Record<string, unknown>> = {};

  get expose(): boolean {
    return this.status < 500;
  }
}

export class ValidationError extends HttpError {
  override readonly name = 'ValidationError';
  readonly code = 'validation';
  readonly status = 400;
  readonly title = 'The request is not valid';
  override readonly extensions: Readonly<Record<string, unknown>>;
  /** `errors` lists each problem with where it is (`body.quantity`, `query.limit`). */
  constructor(message: string, errors?: readonly { readonly path: string; readonly message: string }[]) {
    super(message);
    this.extensions = errors ? { errors } : {};
  }
}

export class UnauthorizedError extends HttpError {
  override readonly name = 'UnauthorizedError';
  readonly code = 'unauthorized';
  readonly status = 401;
  readonly title = 'A valid bearer token is required';
  override readonly headers = { 'WWW-Authenticate': 'Bearer' };
}

export class ForbiddenError extends HttpError {
  override readonly name = 'ForbiddenError';
  readonly code = 'forbidden';
  readonly status = 403;
  readonly title = 'Your role may not do this';
}

export class NotFoundError extends HttpError {
  override readonly name = 'NotFoundError';
  readonly code = 'not-found';
  readonly status = 404;
  readonly title = 'Not found';
}

export class MethodNotAllowedError extends HttpError {
  override readonly name = 'MethodNotAllowedError';
  readonly code = 'not-found';
  readonly status = 405;
  readonly title = 'Method not allowed';
  override readonly headers: Readonly<Record<string, string>>;
  constructor(allow: string) {
    super(`use one of: ${allow}`);
    this.headers = { Allow: allow };
  }
}

export class PaymentDeclinedError extends HttpError {
  override readonly name = 'PaymentDeclinedError';
  readonly code = 'payment-declined';
  readonly status = 402;
  readonly title = 'The payment was declined';
  override readonly extensions: Readonly<Record<string, unknown>>;
  constructor(orderId: string) {
    super('the payment provider declined the charge; the order is Rejected, use another payment method');
    this.extensions = { orderId };
  }
}

/** Something is busy or down: the client should retry after `retryAfterSeconds`. */
abstract class RetryLaterError extends HttpError {
  override readonly headers: Readonly<Record<string, string>>;
  constructor(
    readonly retryAfterSeconds: number,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.headers = { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) };
  }
}

export class PaymentUnavailableError extends RetryLaterError {
  override readonly name = 'PaymentUnavailableError';
  readonly code = 'payment-unavailable';
  readonly status = 503;
  readonly title = 'The payment system is unavailable';
  override get expose(): boolean {
    return true; // the message is ours and tells the client what to do
  }
}

export class NotCancellableError extends HttpError {
  override readonly name = 'NotCancellableError';
  readonly code = 'not-cancellable';
  readonly status = 409;
  readonly title = 'The order can no longer be cancelled';
}

export class InvalidTransitionError extends HttpError {
  override readonly name = 'InvalidTransitionError';
  readonly code = 'invalid-transition';
  readonly status = 409;
  readonly title = 'This step is not possible in the current status';
}

export class IdempotencyKeyReusedError extends HttpError {
  override readonly name = 'IdempotencyKeyReusedError';
  readonly code = 'idempotency-key-reused';
  readonly status = 422;
  readonly title = 'The Idempotency-Key was already used with a different body';
}

export class PayloadTooLargeError extends HttpError {
  override readonly name = 'PayloadTooLargeError';
  readonly code = 'validation';
  readonly status = 413;
  readonly title = 'The request body is too large';
}

export class RateLimitedError extends RetryLaterError {
  override readonly name = 'RateLimitedError';
  readonly code = 'rate-limited';
  readonly status = 429;
  readonly title = 'Too many requests';
}

export class OverloadedError extends RetryLaterError {
  override readonly name = 'OverloadedError';
  readonly code = 'overloaded';
  readonly status = 503;
  readonly title = 'The store is overloaded';
  override get expose(): boolean {
    return true;
  }
}

/** The store's data cannot be read now (its Redis or Mongo away or frozen): try again shortly. */
export function storeAwayError(): OverloadedError {
  return new OverloadedError(5, 'the store cannot read its data right now; try again shortly');
}

/** A command the store did not answer in time: it is queued and may still take effect. */
export function storeLateError(): OverloadedError {
  return new OverloadedError(
    5,
    'the store did not answer in time; the request is queued and may still take effect: send it again in a moment to get its outcome (an order: with the same Idempotency-Key, or it may be placed twice)',
  );
}

export class NotReadyError extends HttpError {
  override readonly name = 'NotReadyError';
  readonly code = 'overloaded';
  readonly status = 503;
  readonly title = 'This process is not ready';
  override get expose(): boolean {
    return true;
  }
}

/** A process that is stopping turns new API requests away: another replica answers them. */
export class StoppingError extends RetryLaterError {
  override readonly name = 'StoppingError';
  readonly code = 'overloaded';
  readonly status = 503;
  readonly title = 'This process is stopping';
  override get expose(): boolean {
    return true;
  }
}

/** True for the error StoreGateway rejects with when an actor did not reply in time. */
export function isTimeout(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'timeout';
}
