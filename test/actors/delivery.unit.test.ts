import { expect } from 'chai';
import sinon from 'sinon';
import { createDeliveryBehavior } from '../../actors/delivery/behavior.js';
import { deliveryDecider } from '../../actors/delivery/decider.js';
import { roundRobinRoster } from '../../actors/delivery/roster.js';
import type { DeliveryEvent, DeliveryInput, DeliveryState } from '../../actors/delivery/state.js';
import { deliveryView } from '../../actors/delivery/view.js';
import { TerminalError } from '../../actors/errors.js';
import type { Message } from '../../actors/kernel.js';
import { context, KEY, NOW, scenario } from './given.js';

const { given } = scenario(deliveryDecider);

const start = (courierId: string | null = 'k-1'): DeliveryInput => ({
  type: 'StartDelivery',
  data: { customerId: 'c-1' },
  courierId,
});
const complete = (courierId: string | null): DeliveryInput => ({
  type: 'CompleteDelivery',
  data: { courierId },
});
const cancel: DeliveryInput = { type: 'CancelDelivery', data: {} };

const who = { customerId: 'c-1', courierId: 'k-1' };
const started: DeliveryEvent = { type: 'DeliveryStarted', data: who };
const completed: DeliveryEvent = { type: 'DeliveryCompleted', data: who };
const cancelled: DeliveryEvent = { type: 'DeliveryCancelled', data: who };
const tombstoned: DeliveryEvent = { type: 'DeliveryTombstoned', data: {} };

describe('delivery decider', () => {
  describe('StartDelivery', () => {
    it('given nothing: Started with the assigned courier', () => {
      given([])
        .when(start())
        .then([started])
        .state({ status: 'Started', courierId: 'k-1', startedAt: NOW, orderId: KEY, version: 1 });
    });

    for (const [name, history] of [
      ['started', [started]],
      ['delivered', [started, completed]],
      ['cancelled', [started, cancelled]],
      ['a tombstone (cancelled before it started)', [tombstoned]],
    ] as const) {
      it(`given ${name}: ignored`, () => {
        given(history).when(start(null)).thenNothing();
      });
    }
  });

  describe('CompleteDelivery', () => {
    it('by the assigned courier: Delivered', () => {
      given([started])
        .when(complete('k-1'))
        .then([completed])
        .reply({ kind: 'ok', status: 'Delivered' })
        .state({ status: 'Delivered', updatedAt: NOW });
    });

    it("by an admin (no courier id): Delivered, in the assigned courier's name", () => {
      given([started]).when(complete(null)).then([completed]).reply({ kind: 'ok', status: 'Delivered' });
    });

    it('by another courier: not found, and nothing changes', () => {
      given([started]).when(complete('k-2')).thenNothing().reply({ kind: 'not-found' });
      given([started, completed]).when(complete('k-2')).thenNothing().reply({ kind: 'not-found' });
    });

    it('no delivery: not found', () => {
      given([]).when(complete('k-1')).thenNothing().reply({ kind: 'not-found' });
      given([tombstoned]).when(complete(null)).thenNothing().reply({ kind: 'not-found' });
    });

    it('delivered already: the same answer again (a retry after a 503); cancelled: invalid transition', () => {
      given([started, completed])
        .when(complete('k-1'))
        .thenNothing()
        .reply({ kind: 'ok', status: 'Delivered' });
      given([started, cancelled])
        .when(complete(null))
        .thenNothing()
        .reply({ kind: 'invalid-transition', status: 'Cancelled' });
    });
  });

  describe('CancelDelivery', () => {
    it('Started → Cancelled', () => {
      given([started]).when(cancel).then([cancelled]).reply(undefined).state({ status: 'Cancelled' });
    });

    it('before it started: a tombstone', () => {
      given([]).when(cancel).then([tombstoned]).state({ status: 'Tombstone', version: 1 });
    });

    it('delivered first (the courier won the race): not called back, the order is told so', () => {
      given([started, completed])
        .when(cancel)
        .then([{ type: 'CancelRefused', data: { courierId: 'k-1' } }])
        .state({ status: 'Delivered', version: 3 });
    });

    it('cancelled already, or a tombstone: the order is told again, nothing changes', () => {
      given([started, cancelled])
        .when(cancel)
        .then([{ type: 'CancelRepeated', data: {} }])
        .state({ status: 'Cancelled' });
      given([tombstoned])
        .when(cancel)
        .then([{ type: 'CancelRepeated', data: {} }])
        .state({ status: 'Tombstone' });
    });
  });

  it('deliveryView: null until started, then status and courier', () => {
    expect(deliveryView(given([]).state)).to.equal(null);
    expect(deliveryView(given([tombstoned]).state)).to.equal(null);
    expect(deliveryView(given([started, completed]).state)).to.deep.equal({
      orderId: KEY,
      customerId: 'c-1',
      status: 'Delivered',
      courierId: 'k-1',
    });
  });

  it('evolve ignores events that do not fit the state', () => {
    expect(given([completed, cancelled]).state).to.deep.equal({ status: 'None', version: 2 });
  });
});

describe('delivery behaviour (pre-step and policy)', () => {
  const startMsg: Message = { type: 'StartDelivery', data: { customerId: 'c-1' } };

  function setup(couriers = ['k-1', 'k-2']) {
    const roster = roundRobinRoster(couriers);
    const next = sinon.spy(roster, 'next');
    return { behavior: createDeliveryBehavior(roster), next };
  }
  async function run(
    behavior: ReturnType<typeof createDeliveryBehavior>,
    state: DeliveryState,
    msg: Message,
  ) {
    return behavior.handle(state, behavior.decode(msg), context());
  }

  it('is named "delivery"', () => {
    expect(setup().behavior.name).to.equal('delivery');
  });

  it('starting takes the next courier, publishes DeliveryStarted and tells the order', async () => {
    const { behavior, next } = setup();
    const handled = await run(behavior, behavior.initialState(), startMsg);
    expect(next.calledOnce).to.equal(true);
    expect(handled.publish).to.deep.equal([
      {
        type: 'DeliveryStarted',
        data: { customerId: 'c-1', courierId: 'k-1', orderId: KEY, at: NOW, version: 1 },
      },
    ]);
    expect(handled.send).to.deep.equal([
      { to: { type: 'order', key: KEY }, msg: { type: 'DeliveryStarted', data: { courierId: 'k-1' } } },
    ]);
  });

  it('asks the roster only when a delivery really starts', async () => {
    const { behavior, next } = setup();
    const tomb = (await run(behavior, behavior.initialState(), { type: 'CancelDelivery', data: {} })).state;
    const ignored = await run(behavior, tomb, startMsg);
    expect(next.called).to.equal(false);
    expect(ignored.send).to.deep.equal([]);
    expect(ignored.state).to.deep.equal(tomb);
  });

  it('completing and cancelling tell the order', async () => {
    const { behavior } = setup();
    const startedState = (await run(behavior, behavior.initialState(), startMsg)).state;
    const done = await run(behavior, startedState, { type: 'CompleteDelivery', data: { courierId: 'k-1' } });
    expect(done.reply).to.deep.equal({ kind: 'ok', status: 'Delivered' });
    expect(done.send).to.deep.equal([
      { to: { type: 'order', key: KEY }, msg: { type: 'DeliveryCompleted', data: { courierId: 'k-1' } } },
    ]);
    const gone = await run(behavior, startedState, { type: 'CancelDelivery', data: {} });
    expect(gone.publish?.map((e) => e.type)).to.deep.equal(['DeliveryCancelled']);
    expect(gone.send).to.deep.equal([
      { to: { type: 'order', key: KEY }, msg: { type: 'DeliveryCancelled', data: {} } },
    ]);
  });

  it('the roster assigns its couriers in turn', async () => {
    const roster = roundRobinRoster(['k-1', 'k-2', 'k-3']);
    const got = [];
    for (let i = 0; i < 5; i++) got.push(await roster.next());
    expect(got).to.deep.equal(['k-1', 'k-2', 'k-3', 'k-1', 'k-2']);
    expect(() => roundRobinRoster([])).to.throw(/COURIERS/);
  });

  it('decode accepts an admin completion and rejects malformed commands', () => {
    const { behavior } = setup();
    expect(behavior.decode({ type: 'CompleteDelivery', data: { courierId: null } })).to.deep.equal({
      type: 'CompleteDelivery',
      data: { courierId: null },
    });
    expect(() => behavior.decode({ type: 'CompleteDelivery', data: {} })).to.throw(TerminalError);
    expect(() => behavior.decode({ type: 'StartDelivery', data: { customerId: '' } })).to.throw(
      TerminalError,
    );
  });
});
