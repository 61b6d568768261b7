/**
 * Errors of the outbound calls. They never reach a customer as such: the payment guard turns them
 * into `{ status: 'unavailable' }`, the notification gateway rethrows them so the notifier's
 * durable retry takes over.
 */

/** Why an outbound call failed; stable strings for logs and tests. */
export type OutboundErrorCode =
  'outbound-timeout' | 'outbound-connection' | 'outbound-status' | 'outbound-bad-response' | 'outbound-down';

/**
 * An outbound call that did not produce a usable answer. `transient` says whether an immediate
 * retry may help (timeouts, refused or reset connections, 5xx); anything else fails at once.
 */
export class OutboundError extends Error {
  override readonly name = 'OutboundError';
  constructor(
    readonly code: OutboundErrorCode,
    message: string,
    readonly transient: boolean,
    options: { cause?: unknown; status?: number } = {},
  ) {
    super(message, { cause: options.cause });
    this.status = options.status ?? null;
  }
  /** The HTTP status when the peer answered with an unexpected one. */
  readonly status: number | null;
}

/** Node's socket error codes that mean "try again": the peer was not reachable this time. */
const TRANSIENT_SOCKET_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
]);

/** True for errors a quick retry may cure. Unknown errors are not retried (they are our bugs). */
export function isTransient(err: unknown): boolean {
  if (err instanceof OutboundError) return err.transient;
  if (err instanceof Error && 'code' in err && typeof err.code === 'string') {
    return TRANSIENT_SOCKET_CODES.has(err.code);
  }
  return false;
}
