/**
 * Every Redis key the runtime uses, in one place. Everything a shard owns shares one hash tag
 * (`{order:07}`), so one Lua script can touch it atomically on Redis Cluster too.
 */
export class Keys {
  constructor(readonly prefix: string) {}

  /** The hash-tagged root of an actor type's shard, e.g. `as:{order:07}`. */
  shard(type: string, shard: number): string {
    return `${this.prefix}:{${type}:${pad(shard)}}`;
  }
  mailbox(type: string, shard: number): string {
    return `${this.shard(type, shard)}:mbx`;
  }
  state(type: string, shard: number): string {
    return `${this.shard(type, shard)}:state`;
  }
  outbox(type: string, shard: number): string {
    return `${this.shard(type, shard)}:outbox`;
  }
  seen(type: string, shard: number): string {
    return `${this.shard(type, shard)}:seen`;
  }
  timers(type: string, shard: number): string {
    return `${this.shard(type, shard)}:timers`;
  }
  /** Lease, epoch and dead letters of a consumer `group` on the shard's stream. */
  lease(root: string, group: string): string {
    return `${root}:lease:${group}`;
  }
  epoch(root: string, group: string): string {
    return `${root}:epoch:${group}`;
  }
  deadLetters(root: string, group: string): string {
    return `${root}:dlq:${group}`;
  }

  /** The hash-tagged root of an event stream partition, e.g. `as:{ev:07}`. */
  eventShard(shard: number): string {
    return `${this.prefix}:{ev:${pad(shard)}}`;
  }
  events(shard: number): string {
    return `${this.eventShard(shard)}:stream`;
  }

  /** Live members of a worker group (sorted set: member → last heartbeat ms). */
  members(group: string): string {
    return `${this.prefix}:members:${group}`;
  }
  /** A process's reply stream for request/reply. */
  replies(processId: string): string {
    return `${this.prefix}:reply:${processId}`;
  }
  /** Round-robin counter (courier assignment). */
  counter(name: string): string {
    return `${this.prefix}:counter:${name}`;
  }
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}
