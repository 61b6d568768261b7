/** Raised when the store cannot start; `bin/` prints the message as one line and exits 2. */
export class StartupError extends Error {
  override readonly name = 'StartupError';
  readonly code = 'startup';
}
