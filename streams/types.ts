/**
 * The contract between the actor runtime and what runs on it. The runtime knows nothing of the
 * store: an actor is a named behaviour over a state, a subscriber a named consumer of events.
 *
 * The actor's half of it is declared by the domain (actors/kernel.ts), as DESIGN.md has it: ports
 * are interfaces the domain declares and the runtime fills, and the domain imports nothing from
 * the runtime. The import is type-only: no code of the domain is loaded by the runtime.
 */
import type { ActorBehavior as DomainBehavior, Message } from '../actors/kernel.js';

export type { ActorContext, Address, Handled, Message, ReplyAddress, Send } from '../actors/kernel.js';

/** An actor type, with what only the runtime reads. */
export interface ActorBehavior<S, M extends Message = Message> extends DomainBehavior<S, M> {
  /**
   * Money and the like: after each commit, wait (`WAIT`, streams/replication.ts) until a replica
   * holds it before anything downstream sees it, so a failover cannot drop what others acted on.
   */
  readonly durable?: true;
}

export interface EventContext {
  readonly key: string;
  readonly eventId: string;
  readonly attempt: number;
}

/** A consumer group over the event streams: each subscriber sees every event, once per group. */
export interface Subscriber<E extends Message = Message> {
  readonly name: string;
  /**
   * Event types `handle` does nothing with: acknowledged as they are read (`lua/read-2.lua`), never
   * decoded or handed over, so they cost no handling and no ack. An optimisation only: `handle`
   * must still accept them (an entry delivered before, or written in another shape, reaches it).
   */
  readonly ignores?: readonly string[];
  decode(msg: Message): E;
  /** Must be idempotent: delivery is at-least-once. */
  handle(event: E, ctx: EventContext): Promise<void>;
}
