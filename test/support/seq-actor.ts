import type { ActorBehavior, Handled, Message, Subscriber } from '../../streams/index.js';
import { TerminalError } from '../../streams/index.js';

/**
 * A test actor that checks per-key order: each `Step {seq}` must be the last seen + 1. Violations
 * are counted in the state (never thrown), so a test can assert "none missing, none twice".
 */
export interface SeqState {
  readonly last: number;
  readonly count: number;
  readonly missing: number;
  readonly twice: number;
}

export type SeqMsg =
  | { readonly type: 'Step'; readonly data: { readonly seq: number; readonly forward?: boolean } }
  | { readonly type: 'Poison'; readonly data: { readonly mode: 'terminal' | 'throw' | 'crash' } }
  | { readonly type: 'Ask'; readonly data: { readonly delayMs?: number } }
  | { readonly type: 'Later'; readonly data: { readonly delayMs: number } }
  | { readonly type: 'Fired'; readonly data: Record<string, never> };

export function seqActor(name = 'seq', sink = 'sink'): ActorBehavior<SeqState, SeqMsg> {
  return {
    name,
    initialState: () => ({ last: 0, count: 0, missing: 0, twice: 0 }),
    decode(msg: Message): SeqMsg {
      if (['Step', 'Poison', 'Ask', 'Later', 'Fired'].includes(msg.type)) return msg as SeqMsg;
      throw new TerminalError(`unknown message ${msg.type}`);
    },
    handle(s, msg, ctx): Handled<SeqState> {
      switch (msg.type) {
        case 'Step': {
          const { seq } = msg.data;
          const next: SeqState = {
            last: Math.max(s.last, seq),
            count: s.count + 1,
            missing: s.missing + (seq > s.last + 1 ? 1 : 0),
            twice: s.twice + (seq <= s.last ? 1 : 0),
          };
          return {
            state: next,
            ...(msg.data.forward
              ? { send: [{ to: { type: sink, key: ctx.key }, msg: { type: 'Step', data: { seq } } }] }
              : {}),
            publish: [{ type: 'Stepped', data: { seq } }],
          };
        }
        case 'Poison':
          if (msg.data.mode === 'terminal') throw new TerminalError('poison');
          if (msg.data.mode === 'crash') process.exit(17);
          throw new Error('transient failure that never heals');
        case 'Ask':
          return { state: s, reply: { count: s.count, key: ctx.key } };
        case 'Later':
          return {
            state: s,
            send: [
              {
                to: { type: name, key: ctx.key },
                msg: { type: 'Fired', data: {} },
                delayMs: msg.data.delayMs,
              },
            ],
          };
        case 'Fired':
          return { state: { ...s, count: s.count + 1000 } };
        default: {
          const never: never = msg;
          return never;
        }
      }
    },
  };
}

/** A subscriber recording every event it handles into a Redis hash via the given callback. */
export function recordingSubscriber(
  name: string,
  record: (key: string, seq: number, eventId: string) => Promise<void>,
): Subscriber<Message> {
  return {
    name,
    decode: (m) => m,
    handle: async (e, ctx) => {
      const seq = (e.data as { seq?: number }).seq ?? -1;
      await record(ctx.key, seq, ctx.eventId);
    },
  };
}
