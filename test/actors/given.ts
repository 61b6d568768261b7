/**
 * given / when / then for deciders (oskardudycz/EventSourcing.NodeJS `samples/decider`):
 * `scenario(decider).given(events).when(command).then(events)`. The given events are folded
 * exactly as the runner folds them (stamped, version++ per event).
 */
import { expect } from 'chai';
import {
  fold,
  type ActorContext,
  type DeciderEvent,
  type Decider,
  type Decision,
  type ReplyAddress,
  type Stamped,
  type Versioned,
} from '../../actors/kernel.js';

export const KEY = 'o-1';
/** The clock of the `when` step; the `given` events happened a minute earlier. */
export const NOW = Date.UTC(2025, 0, 1, 12, 0, 0);
export const EARLIER = NOW - 60_000;

/** A reply address the edge would wait on. */
export function replyAddress(corr: string): ReplyAddress {
  return { stream: 'as:replies:edge-1', corr };
}

/** An actor context for `KEY` at `NOW`, not a request unless `replyTo` is given. */
export function context(overrides: Partial<ActorContext> = {}): ActorContext {
  return { key: KEY, messageId: 'msg-1', attempt: 1, now: NOW, replyTo: null, ...overrides };
}

/** The outcome of `when`, with chainable assertions. */
export class Then<S extends Versioned, E extends DeciderEvent, R> {
  constructor(
    readonly before: S,
    readonly decision: Decision<E, R>,
    readonly after: S,
  ) {}

  /** The decided events, exactly. */
  then(expected: readonly E[]): this {
    expect(this.decision.events).to.deep.equal(expected);
    return this;
  }

  /** No events, and the state is untouched. */
  thenNothing(): this {
    expect(this.decision.events).to.deep.equal([]);
    expect(this.after).to.deep.equal(this.before);
    return this;
  }

  /** The answer to the request being handled (undefined: none). */
  reply(expected: R | undefined): this {
    expect(this.decision.reply).to.deep.equal(expected);
    return this;
  }

  /** The answers to earlier requests kept in the state. */
  replies(expected: readonly { readonly to: ReplyAddress; readonly body: R }[] | undefined): this {
    expect(this.decision.replies).to.deep.equal(expected);
    return this;
  }

  /** The state after folding the decided events includes these fields. */
  state(expected: Partial<S>): this {
    expect(this.after).to.deep.include(expected);
    return this;
  }
}

/** Binds the helper to one decider. */
export function scenario<S extends Versioned, C, E extends DeciderEvent, R>(decider: Decider<S, C, E, R>) {
  const evolve = (state: S, event: Stamped<E>): S => decider.evolve(state, event);
  return {
    given: (events: readonly E[]) => {
      const start = fold(evolve, decider.initialState(), events, { key: KEY, now: EARLIER }).state;
      return {
        state: start,
        when: (command: C, overrides: Partial<ActorContext> = {}): Then<S, E, R> => {
          const ctx = context(overrides);
          const decision = decider.decide(command, start, ctx);
          const after = fold(evolve, start, decision.events, ctx).state;
          return new Then(start, decision, after);
        },
      };
    },
  };
}
