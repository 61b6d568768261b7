import type { Logger } from 'pino';

/**
 * Logs each kind of error at most once per window, with how many were suppressed: a Redis
 * outage must not flood the logs with one line per shard per retry.
 */
export class RateLimitedLog {
  private readonly last = new Map<string, { at: number; suppressed: number }>();
  constructor(
    private readonly log: Logger,
    private readonly windowMs: number,
  ) {}

  warn(kind: string, obj: object, msg: string): void {
    this.emit('warn', kind, obj, msg);
  }
  error(kind: string, obj: object, msg: string): void {
    this.emit('error', kind, obj, msg);
  }

  private emit(level: 'warn' | 'error', kind: string, obj: object, msg: string): void {
    const now = Date.now();
    const seen = this.last.get(kind);
    if (seen && now - seen.at < this.windowMs) {
      seen.suppressed++;
      return;
    }
    this.last.set(kind, { at: now, suppressed: 0 });
    this.log[level]({ ...obj, suppressed: seen?.suppressed ?? 0 }, msg);
  }
}
