import { expect } from 'chai';
import { isTerminal, TerminalError } from '../../actors/errors.js';
import * as actors from '../../actors/index.js';
import {
  behaviorFrom,
  fold,
  publishedBy,
  unchanged,
  type Decider,
  type Stamped,
} from '../../actors/kernel.js';
import { sendTo } from '../../actors/mailboxes.js';
import { context, KEY, NOW, replyAddress } from './given.js';

/** A toy decider: counts, publishes StoreOrderAccepted (a store event) and an internal event. */
interface Count {
  readonly version: number;
  readonly n: number;
}
type Cmd = { readonly type: 'Add'; readonly by: number } | { readonly type: 'Ask' };
type Ev =
  | { readonly type: 'StoreOrderAccepted'; readonly data: { readonly customerId: string } }
  | { readonly type: 'OrderCancelled'; readonly data: { readonly customerId: string } }
  | { readonly type: 'Added'; readonly data: { readonly by: number } };

const counter: Decider<Count, Cmd, Ev, string> = {
  initialState: () => ({ version: 0, n: 0 }),
  decide(cmd, state) {
    if (cmd.type === 'Ask')
      return { events: [], reply: `n=${state.n}`, replies: [{ to: replyAddress('r'), body: 'late' }] };
    return {
      events: [
        { type: 'Added', data: { by: cmd.by } },
        { type: 'StoreOrderAccepted', data: { customerId: 'c-1' } },
        { type: 'OrderCancelled', data: { customerId: 'c-1' } },
      ],
    };
  },
  evolve: (state, event: Stamped<Ev>) =>
    event.type === 'Added' ? { ...state, n: state.n + event.data.by } : state,
};

const behavior = behaviorFrom({
  name: 'store',
  decider: counter,
  decode: (msg) => {
    if (msg.type === 'Add') return { type: 'Add', data: msg.data };
    if (msg.type === 'Ask') return { type: 'Ask', data: null };
    throw new TerminalError(`unknown ${msg.type}`);
  },
  prepare: (msg): Cmd => (msg.type === 'Add' ? { type: 'Add', by: Number(msg.data) } : { type: 'Ask' }),
  policy: (event) =>
    event.type === 'Added'
      ? [sendTo('delivery', event.data.orderId, { type: 'CancelDelivery', data: {} })]
      : [],
});

describe('kernel', () => {
  it('fold stamps each event and bumps the version once per event', () => {
    const { state, stamped } = fold(
      (state: Count, event: Stamped<Ev>) => counter.evolve(state, event),
      { version: 4, n: 0 },
      [
        { type: 'Added', data: { by: 2 } },
        { type: 'Added', data: { by: 3 } },
      ] as const,
      { key: KEY, now: NOW },
    );
    expect(state).to.deep.equal({ version: 6, n: 5 });
    expect(stamped).to.deep.equal([
      { type: 'Added', data: { by: 2, orderId: KEY, at: NOW, version: 5 } },
      { type: 'Added', data: { by: 3, orderId: KEY, at: NOW, version: 6 } },
    ]);
  });

  it("publishedBy: only the domain events of that actor (never internal ones or another actor's)", () => {
    expect(publishedBy('store', 'StoreOrderAccepted')).to.equal(true);
    expect(publishedBy('store', 'OrderCancelled')).to.equal(false);
    expect(publishedBy('order', 'OrderCancelled')).to.equal(true);
    expect(publishedBy('order', 'PaymentRequested')).to.equal(false);
    expect(publishedBy('order', 'toString')).to.equal(false);
  });

  it('behaviorFrom: prepare → decide → fold → publish own domain events → policy sends', async () => {
    const handled = await behavior.handle(
      behavior.initialState(),
      behavior.decode({ type: 'Add', data: 2 }),
      context(),
    );
    expect(behavior.name).to.equal('store');
    expect(handled.state).to.deep.equal({ version: 3, n: 2 });
    expect(handled.publish).to.deep.equal([
      { type: 'StoreOrderAccepted', data: { customerId: 'c-1', orderId: KEY, at: NOW, version: 2 } },
    ]);
    expect(handled.send).to.deep.equal([
      { to: { type: 'delivery', key: KEY }, msg: { type: 'CancelDelivery', data: {} } },
    ]);
    expect(handled).not.to.have.property('reply');
    expect(handled).not.to.have.property('replies');
  });

  it('behaviorFrom passes the reply and the late replies through, and keeps the state when nothing happened', async () => {
    const state = { version: 7, n: 1 };
    const handled = await behavior.handle(state, behavior.decode({ type: 'Ask', data: null }), context());
    expect(handled).to.deep.equal({
      state,
      publish: [],
      send: [],
      reply: 'n=1',
      replies: [{ to: replyAddress('r'), body: 'late' }],
    });
  });

  it('unchanged is the identity pre-step', () => {
    const msg = { type: 'X', data: 1 };
    expect(unchanged(msg)).to.equal(msg);
  });

  it('TerminalError has a stable code, a name and a cause', () => {
    const cause = new Error('bad');
    const err = new TerminalError('cannot decode', { cause });
    expect(err).to.be.instanceOf(Error);
    expect(err.code).to.equal('terminal');
    expect(err.name).to.equal('TerminalError');
    expect(err.cause).to.equal(cause);
    expect(isTerminal(err)).to.equal(true);
    expect(isTerminal(Object.assign(new Error('x'), { code: 'terminal' }))).to.equal(true);
    expect(isTerminal(new Error('x'))).to.equal(false);
    expect(isTerminal('terminal')).to.equal(false);
  });

  it('the index names the actor types and the behaviours with their Redis names', () => {
    expect(actors.ACTOR_TYPES).to.deep.equal(['order', 'payment', 'store', 'delivery']);
    const provider = {
      charge: () => Promise.reject(new Error('unused')),
      refund: () => Promise.reject(new Error('unused')),
    };
    const names = [
      actors.orderBehavior,
      actors.createPaymentBehavior(provider, { settleAfterMs: 60_000 }),
      actors.storeBehavior,
      actors.createDeliveryBehavior(actors.roundRobinRoster(['k-1'])),
    ].map((b) => b.name);
    expect(names).to.deep.equal([...actors.ACTOR_TYPES]);
    for (const b of [actors.orderBehavior, actors.storeBehavior]) {
      expect(b.initialState()).to.deep.equal({ status: 'None', version: 0 });
    }
  });
});
