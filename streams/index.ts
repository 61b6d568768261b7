/** The actor runtime on Redis Streams. */
export { ActorRuntime, SCRAPE_DEADLINE_MS, type RuntimeOptions, type SubscriberOptions } from './runtime.js';
export type {
  ActorBehavior,
  ActorContext,
  Address,
  EventContext,
  Handled,
  Message,
  ReplyAddress,
  Send,
  Subscriber,
} from './types.js';
export { TerminalError, FencedError, DecodeError, RequestTimeoutError, isTerminal } from './errors.js';
export {
  connectRedis,
  blockingConnection,
  closeQuietly,
  type RedisClient,
  type RedisTarget,
} from './redis.js';
export { Keys } from './keys.js';
export { shardOf, fnv1a, rendezvousOwner } from './hash.js';
export type { UnitStats, DeadLetter } from './inspect.js';
export type { Unit } from './unit.js';
export { within } from './deadline.js';
