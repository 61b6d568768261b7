/**
 * Errors the domain raises. Named by what the caller must do: a `TerminalError` must not be
 * retried (the runtime moves the message to the dead letters); anything else is retried with
 * back-off.
 */
export class TerminalError extends Error {
  /** Stable machine-readable code: the runtime dead-letters on it without retrying. */
  readonly code = 'terminal' as const;
  override readonly name = 'TerminalError';

  constructor(message: string, options?: { readonly cause?: unknown }) {
    super(message, options);
  }
}

/** True for a `TerminalError`, also one from another copy of this module (checks the code). */
export function isTerminal(err: unknown): boolean {
  return (
    err instanceof TerminalError || (err instanceof Error && (err as { code?: unknown }).code === 'terminal')
  );
}
