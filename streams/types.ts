/**
 * The contract between the actor runtime and what runs on it. The runtime knows nothing of the
 * store: an actor is a named behaviour over a state, a subscriber a named consumer of events.
 */

/** An actor's address: its type (e.g. 'order') and its key (the order id). */
export interface Address {
  readonly type: string;
  readonly key: string;
}

/** A message or event before it is wrapped in an envelope: a discriminated `type` and its data. */
export interface Message {
  readonly type: string;
  readonly data: unknown;
}

/** A command sent to another actor (or itself) through the outbox; `delayMs` makes it a timer. */
export interface Send {
  readonly to: Address;
  readonly msg: Message;
  readonly delayMs?: number;
}

/** Where a request waits for its answer: a reply stream and the request's correlation id. */
export interface ReplyAddress {
  readonly stream: string;
  readonly corr: string;
}

/** What a handler returns: the new state and its effects, committed atomically. */
export interface Handled<S> {
  readonly state: S;
  readonly send?: readonly Send[];
  /** Domain events, published on the event stream partition of this actor's key. */
  readonly publish?: readonly Message[];
  /** Answer to the request that carried this message (ignored when there was no reply address). */
  readonly reply?: unknown;
  /** Answers to earlier requests whose reply addresses the actor kept in its state. */
  readonly replies?: readonly { readonly to: ReplyAddress; readonly body: unknown }[];
}

export interface ActorContext {
  readonly key: string;
  /** The unique id of the message being handled: stable across redeliveries. */
  readonly messageId: string;
  /** Delivery attempt, 1 on the first try. */
  readonly attempt: number;
  readonly now: number;
  /** Set when the message is a request (the edge waits for the answer). */
  readonly replyTo: ReplyAddress | null;
}

/** An actor type. `handle` may call ports with idempotency keys: a message can be handled again after a crash. */
export interface ActorBehavior<S, M extends Message = Message> {
  readonly name: string;
  initialState(): S;
  /** Decode at the boundary; throw a TerminalError for what does not parse (it is dead-lettered). */
  decode(msg: Message): M;
  handle(state: S, msg: M, ctx: ActorContext): Handled<S> | Promise<Handled<S>>;
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
