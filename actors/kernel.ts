/**
 * The domain's kernel: the contract an actor offers the runtime (declared here, since the domain
 * imports nothing from the runtime; streams/types.ts takes it from here), the decider shape, and
 * `behaviorFrom`, the small runner that turns a pure decider into an actor behaviour.
 */
import { eventSource, type DomainEvent, type DomainEventType, type EventSource } from './events.js';

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
  /** The handling's try in this process: 1 on the first (a redelivery after a crash starts at 1 again). */
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
}

/** Every actor state carries the version the runner bumps once per event. */
export interface Versioned {
  readonly version: number;
}

/** An event as a decider emits it: a discriminated `type` and an object `data`. */
export interface DeciderEvent {
  readonly type: string;
  readonly data: object;
}

/** What the runner stamps on every event before `evolve` sees it. */
export interface EventMeta {
  readonly orderId: string;
  /** ms since epoch: `ctx.now` of the message that caused the event. */
  readonly at: number;
  /** The state's version after this event. */
  readonly version: number;
}

/** A domain event (actors/events.ts) as a decider emits it: the runner stamps `EventMeta`. */
export type DomainEventBody<T extends DomainEventType = DomainEventType> = T extends DomainEventType
  ? {
      readonly type: T;
      readonly data: Omit<Extract<DomainEvent, { readonly type: T }>['data'], keyof EventMeta>;
    }
  : never;

/** An event with its `EventMeta`: what `evolve` and the policies see. */
export type Stamped<E extends DeciderEvent> = E extends DeciderEvent
  ? { readonly type: E['type']; readonly data: E['data'] & EventMeta }
  : never;

/** A reply to a request whose address the actor kept in its state. */
export interface LateReply<R> {
  readonly to: ReplyAddress;
  readonly body: R;
}

/** What `decide` returns: the events (possibly none) and the answers. */
export interface Decision<E extends DeciderEvent, R> {
  readonly events: readonly E[];
  /** Answer to the request being handled (only sent when it carried a reply address). */
  readonly reply?: R;
  readonly replies?: readonly LateReply<R>[];
}

/**
 * A decider (oskardudycz/EventSourcing.NodeJS `samples/decider`): pure functions only. `C` is
 * the command after the behaviour's pre-step (which may have called a port), `E` the events,
 * domain events (published) and internal ones (only folded into the state), `R` the replies.
 */
export interface Decider<S extends Versioned, C, E extends DeciderEvent, R> {
  initialState(): S;
  decide(command: C, state: S, ctx: ActorContext): Decision<E, R>;
  /** Must be total: an event that does not fit the state leaves it as it is. */
  evolve(state: S, event: Stamped<E>): S;
}

/** What an event sends to whom: called once per event with the state after all of them. */
export type Policy<S, E extends DeciderEvent> = (
  event: Stamped<E>,
  state: S,
  ctx: ActorContext,
) => readonly Send[];

/** Adds the runner's metadata to an event. */
export function stamp<E extends DeciderEvent>(event: E, meta: EventMeta): Stamped<E> {
  // The conditional type cannot be proven from a spread; the shape is exactly E's plus meta.
  return { type: event.type, data: { ...event.data, ...meta } } as Stamped<E>;
}

/** Folds events into the state, bumping the version once per event; returns the stamped events. */
export function fold<S extends Versioned, E extends DeciderEvent>(
  evolve: (state: S, event: Stamped<E>) => S,
  state: S,
  events: readonly E[],
  ctx: Pick<ActorContext, 'key' | 'now'>,
): { readonly state: S; readonly stamped: readonly Stamped<E>[] } {
  let current = state;
  const stamped: Stamped<E>[] = [];
  for (const event of events) {
    const one = stamp(event, { orderId: ctx.key, at: ctx.now, version: current.version + 1 });
    current = { ...evolve(current, one), version: current.version + 1 };
    stamped.push(one);
  }
  return { state: current, stamped };
}

/** True when the event is a domain event that `source` publishes (internal events are not). */
export function publishedBy(source: EventSource, type: string): type is DomainEventType {
  return Object.hasOwn(eventSource, type) && eventSource[type as DomainEventType] === source;
}

/** Everything `behaviorFrom` needs to build an actor behaviour. */
export interface BehaviorSpec<S extends Versioned, M extends Message, C, E extends DeciderEvent, R> {
  readonly name: EventSource;
  readonly decider: Decider<S, C, E, R>;
  /** Decode at the boundary; throws a TerminalError for malformed input. */
  decode(msg: Message): M;
  /** The pre-step: turns the decoded message into the decider's command, calling ports if needed. */
  prepare(msg: M, state: S, ctx: ActorContext): C | Promise<C>;
  readonly policy: Policy<S, E>;
}

/**
 * The runner: decode → prepare (port calls) → decide → fold evolve (version++ per event) →
 * publish the domain events → send what the policy says → reply.
 */
export function behaviorFrom<S extends Versioned, M extends Message, C, E extends DeciderEvent, R>(
  spec: BehaviorSpec<S, M, C, E, R>,
): ActorBehavior<S, M> {
  return {
    name: spec.name,
    initialState: () => spec.decider.initialState(),
    decode: (msg) => spec.decode(msg),
    async handle(state, msg, ctx): Promise<Handled<S>> {
      const command = await spec.prepare(msg, state, ctx);
      const decision = spec.decider.decide(command, state, ctx);
      const { state: next, stamped } = fold(
        (s: S, e: Stamped<E>) => spec.decider.evolve(s, e),
        state,
        decision.events,
        ctx,
      );
      return {
        state: next,
        publish: stamped.filter((e) => publishedBy(spec.name, e.type)),
        send: stamped.flatMap((e) => spec.policy(e, next, ctx)),
        ...(decision.reply === undefined ? {} : { reply: decision.reply }),
        ...(decision.replies === undefined ? {} : { replies: decision.replies }),
      };
    },
  };
}

/** The decider's command is the decoded message itself (no pre-step). */
export function unchanged<M>(msg: M): M {
  return msg;
}

/** The `never` check closing every switch: adding a message breaks the build where it is not handled. */
export function unreachable(value: never, where: string): never {
  throw new Error(`${where}: unhandled ${JSON.stringify(value)}`);
}
