import { shardOf } from './hash.js';
import type { Keys } from './keys.js';
import type { Address } from './types.js';

/** Where a message goes: an actor's mailbox shard, or the event stream partition of a key. */
export class Router {
  constructor(
    readonly keys: Keys,
    readonly shards: number,
    readonly eventShards: number,
  ) {}

  mailbox(to: Address): string {
    return this.keys.mailbox(to.type, shardOf(to.key, this.shards));
  }
  events(key: string): string {
    return this.keys.events(shardOf(key, this.eventShards));
  }
}
