import type { Logger } from 'pino';
import type { GroupReaders } from './group-reader.js';
import type { Envelope } from './codec.js';
import type { Keys } from './keys.js';
import type { RuntimeMetrics } from './metrics.js';
import type { RedisClient } from './redis.js';

/** One shard of one consumer group: the stream, its group, and where its lease lives. */
export interface Unit {
  readonly kind: 'actor' | 'subscriber';
  /** Actor type or subscriber name: the consumer group. */
  readonly group: string;
  readonly shard: number;
  readonly stream: string;
  /** Hash-tagged root shared by everything this unit touches atomically. */
  readonly root: string;
  /** Message types this group acknowledges as it reads them, unhandled (Subscriber.ignores). */
  readonly ignores?: readonly string[];
}

/** `read-2`'s arguments for a fenced take of up to `count` new entries of `unit`'s stream. */
export function takeArgs(unit: Unit, epoch: number, count: number): (string | number)[] {
  return [unit.group, `shard-${unit.shard}`, String(epoch), count, ...(unit.ignores ?? [])];
}

export const unitName = (u: Unit) => `${u.group}/${u.shard}`;

export interface RunnerSettings {
  readonly batchSize: number;
  readonly blockMs: number;
  readonly maxDeliveries: number;
}

export interface RunnerEnv {
  readonly redis: RedisClient;
  readonly keys: Keys;
  readonly settings: RunnerSettings;
  readonly metrics: RuntimeMetrics;
  readonly log: Logger;
  /** Reads of new entries, shared by the shards of a group that this process owns. */
  readonly readers: GroupReaders;
}

/** How a kind of unit handles entries: the runner does reading, ordering and shutdown. */
export interface Handling {
  /**
   * When a handler last finished an attempt, done or failed (ms since epoch, 0 before the first).
   * A loop whose handlers keep getting answers, however slow (a read model's store that takes
   * seconds per write), is working, not stuck: the watchdog counts this as progress.
   */
  readonly lastActivity: number;
  /** Before the first read: e.g. relay what a previous owner left in the outbox. */
  recover(): Promise<void>;
  /**
   * Handle one entry and commit it (or dead-letter it). Runs strictly in order per key.
   * `attempted` is called once the handler's first attempt has ended, done or failed (its retries
   * may go on): recovery waits for that, not for the retries.
   */
  handle(entryId: string, env: Envelope, signal: AbortSignal, attempted?: () => void): Promise<void>;
  deadLetter(entryId: string, msgId: string, reason: string, payload: string): Promise<void>;
  /** Periodic work while owned (timers, leftover relays). */
  tick(): Promise<void>;
  /** Everything submitted is committed and relayed. */
  flushed(): Promise<void>;
}
