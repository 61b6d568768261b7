import { expect } from 'chai';
import type { StoreOrderStatus } from '../../actors/events.js';
import { storeBehavior } from '../../actors/store/behavior.js';
import { storeDecider } from '../../actors/store/decider.js';
import type { StoreCommand } from '../../actors/store/messages.js';
import type { StoreEvent } from '../../actors/store/state.js';
import { storeOrderView } from '../../actors/store/view.js';
import { TerminalError } from '../../actors/errors.js';
import { context, EARLIER, KEY, NOW, scenario } from './given.js';

const { given } = scenario(storeDecider);

const line = {
  customerId: 'c-1',
  productId: 'wm-100',
  quantity: 2,
  amount: 99_800,
  currency: 'EUR',
  address: '1 Main Street',
};
const receive: StoreCommand = { type: 'ReceiveOrder', data: { orderId: KEY, ...line } };
const accept: StoreCommand = { type: 'AcceptOrder', data: { staffId: 's-1' } };
const pack: StoreCommand = { type: 'PackOrder', data: { staffId: 's-1' } };
const cancel: StoreCommand = { type: 'CancelStoreOrder', data: {} };

const received: StoreEvent = { type: 'StoreOrderReceived', data: line };
const accepted: StoreEvent = { type: 'StoreOrderAccepted', data: { customerId: 'c-1' } };
const packed: StoreEvent = { type: 'StoreOrderPacked', data: { customerId: 'c-1' } };
const cancelled: StoreEvent = { type: 'StoreOrderCancelled', data: { customerId: 'c-1' } };
const tombstoned: StoreEvent = { type: 'StoreOrderTombstoned', data: {} };

const histories: { readonly [S in StoreOrderStatus]: StoreEvent[] } = {
  Received: [received],
  Accepted: [received, accepted],
  Packed: [received, accepted, packed],
  Cancelled: [received, cancelled],
};

describe('store decider (OrderManagement)', () => {
  describe('ReceiveOrder', () => {
    it('given nothing: Received, with the time it arrived', () => {
      given([])
        .when(receive)
        .then([received])
        .state({ status: 'Received', receivedAt: NOW, orderId: KEY, address: '1 Main Street', version: 1 });
    });

    for (const [name, history] of [
      ['received already', histories.Received],
      ['packed', histories.Packed],
      ['cancelled', histories.Cancelled],
      ['a tombstone (cancelled before it arrived)', [tombstoned]],
    ] as const) {
      it(`given ${name}: ignored`, () => {
        given(history).when(receive).thenNothing();
      });
    }
  });

  describe('AcceptOrder', () => {
    it('Received → Accepted', () => {
      given(histories.Received)
        .when(accept)
        .then([accepted])
        .reply({ kind: 'ok', status: 'Accepted' })
        .state({ status: 'Accepted', receivedAt: EARLIER, updatedAt: NOW });
    });

    it('accepted already: the same answer again, nothing changes (a retry after a 503)', () => {
      given(histories.Accepted).when(accept).thenNothing().reply({ kind: 'ok', status: 'Accepted' });
    });

    for (const status of ['Packed', 'Cancelled'] as const) {
      it(`from ${status}: invalid transition`, () => {
        given(histories[status]).when(accept).thenNothing().reply({ kind: 'invalid-transition', status });
      });
    }

    it('unknown order: not found', () => {
      given([]).when(accept).thenNothing().reply({ kind: 'not-found' });
    });

    it('cancelled before it arrived: invalid transition from Cancelled', () => {
      given([tombstoned])
        .when(accept)
        .thenNothing()
        .reply({ kind: 'invalid-transition', status: 'Cancelled' });
    });
  });

  describe('PackOrder', () => {
    it('Accepted → Packed', () => {
      given(histories.Accepted)
        .when(pack)
        .then([packed])
        .reply({ kind: 'ok', status: 'Packed' })
        .state({ status: 'Packed' });
    });

    it('packed already: the same answer again, no second delivery (a retry after a 503)', () => {
      given(histories.Packed).when(pack).thenNothing().reply({ kind: 'ok', status: 'Packed' });
    });

    for (const status of ['Received', 'Cancelled'] as const) {
      it(`from ${status}: invalid transition`, () => {
        given(histories[status]).when(pack).thenNothing().reply({ kind: 'invalid-transition', status });
      });
    }

    it('unknown order: not found; tombstone: invalid transition', () => {
      given([]).when(pack).thenNothing().reply({ kind: 'not-found' });
      given([tombstoned]).when(pack).thenNothing().reply({ kind: 'invalid-transition', status: 'Cancelled' });
    });
  });

  describe('CancelStoreOrder', () => {
    for (const status of ['Received', 'Accepted', 'Packed'] as const) {
      it(`from ${status}: Cancelled`, () => {
        given(histories[status])
          .when(cancel)
          .then([cancelled])
          .reply(undefined)
          .state({ status: 'Cancelled' });
      });
    }

    it('before the order arrived: a tombstone, no published event', () => {
      given([]).when(cancel).then([tombstoned]).state({ status: 'Tombstone', version: 1 });
    });

    it('again: nothing', () => {
      given(histories.Cancelled).when(cancel).thenNothing();
      given([tombstoned]).when(cancel).thenNothing();
    });
  });

  it('storeOrderView: null until received, then the board item', () => {
    expect(storeOrderView(given([]).state)).to.equal(null);
    expect(storeOrderView(given([tombstoned]).state)).to.equal(null);
    expect(storeOrderView(given(histories.Accepted).state)).to.deep.equal({
      orderId: KEY,
      status: 'Accepted',
      productId: 'wm-100',
      quantity: 2,
      address: '1 Main Street',
      receivedAt: new Date(EARLIER).toISOString(),
    });
  });

  it('evolve ignores events that do not fit the state', () => {
    expect(given([accepted, packed, cancelled]).state).to.deep.equal({ status: 'None', version: 3 });
  });
});

describe('store behaviour (policy)', () => {
  const run = async (...commands: StoreCommand[]) => {
    let state = storeBehavior.initialState();
    let last;
    for (const command of commands) {
      last = await storeBehavior.handle(state, storeBehavior.decode(command), context());
      state = last.state;
    }
    if (last === undefined) throw new Error('no command');
    return last;
  };

  it('is named "store"', () => {
    expect(storeBehavior.name).to.equal('store');
  });

  it('receiving publishes StoreOrderReceived and sends nothing', async () => {
    const handled = await run(receive);
    expect(handled.publish).to.deep.equal([
      { type: 'StoreOrderReceived', data: { ...line, orderId: KEY, at: NOW, version: 1 } },
    ]);
    expect(handled.send).to.deep.equal([]);
  });

  it('accepting tells the order', async () => {
    const handled = await run(receive, accept);
    expect(handled.send).to.deep.equal([
      { to: { type: 'order', key: KEY }, msg: { type: 'StoreOrderAccepted', data: {} } },
    ]);
    expect(handled.reply).to.deep.equal({ kind: 'ok', status: 'Accepted' });
  });

  it('packing tells the order and starts the delivery', async () => {
    const handled = await run(receive, accept, pack);
    expect(handled.send).to.deep.equal([
      { to: { type: 'order', key: KEY }, msg: { type: 'StoreOrderPacked', data: {} } },
      { to: { type: 'delivery', key: KEY }, msg: { type: 'StartDelivery', data: { customerId: 'c-1' } } },
    ]);
  });

  it('a tombstone is neither published nor sent anywhere', async () => {
    const handled = await run(cancel);
    expect(handled.publish).to.deep.equal([]);
    expect(handled.send).to.deep.equal([]);
    expect(handled.state).to.deep.equal({ status: 'Tombstone', version: 1 });
  });

  it('decode rejects malformed commands with a TerminalError', () => {
    expect(() => storeBehavior.decode({ type: 'AcceptOrder', data: {} })).to.throw(TerminalError);
    expect(() => storeBehavior.decode({ type: 'ReceiveOrder', data: { orderId: KEY } })).to.throw(
      TerminalError,
    );
    expect(() => storeBehavior.decode({ type: 'ShipIt', data: {} })).to.throw(TerminalError);
  });
});
