/** Not retried: the message goes to the dead letters with this error. */
export class TerminalError extends Error {
  override readonly name: string = 'TerminalError';
  readonly code: string = 'terminal';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A stream entry that does not decode into an envelope (terminal). */
export class DecodeError extends TerminalError {
  override readonly name = 'DecodeError';
  override readonly code = 'decode';
}

/** Another process took the shard (its epoch moved on): stop owning it, drop in-memory state. */
export class FencedError extends Error {
  override readonly name = 'FencedError';
  readonly code = 'fenced';
  constructor(readonly unit: string) {
    super(`shard ${unit} was taken over by another owner (fenced): this process stops handling it`);
  }
}

/** A request got no reply in time. */
export class RequestTimeoutError extends Error {
  override readonly name = 'RequestTimeoutError';
  readonly code = 'timeout';
  constructor(
    readonly to: string,
    readonly timeoutMs: number,
  ) {
    super(`no reply from ${to} within ${timeoutMs} ms: is a worker running that role?`);
  }
}

/** Anything whose `name` or `code` marks it terminal (the domain has its own TerminalError class). */
export function isTerminal(err: unknown): boolean {
  if (err instanceof TerminalError) return true;
  if (typeof err === 'object' && err !== null) {
    const e = err as { name?: unknown; code?: unknown };
    return e.code === 'terminal' || e.name === 'TerminalError';
  }
  return false;
}
