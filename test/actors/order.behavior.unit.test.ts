import { expect } from 'chai';
import { TerminalError } from '../../actors/errors.js';
import type { Handled, Message } from '../../actors/kernel.js';
import { orderBehavior } from '../../actors/order/behavior.js';
import type { OrderState } from '../../actors/order/state.js';
import { context, KEY, NOW, replyAddress } from './given.js';

const placeOrder = {
  type: 'PlaceOrder',
  data: {
    orderId: KEY,
    customerId: 'c-1',
    productId: 'wm-100',
    quantity: 2,
    amount: 99_800,
    currency: 'EUR',
    address: '1 Main Street',
    paymentToken: 'tok_visa',
  },
};

/** Runs messages through the behaviour as the runtime would: decode, handle, keep the state. */
async function run(state: OrderState, ...messages: Message[]): Promise<Handled<OrderState>> {
  let handled: Handled<OrderState> = { state };
  for (const msg of messages)
    handled = await orderBehavior.handle(handled.state, orderBehavior.decode(msg), context());
  return handled;
}

describe('order behaviour (runner and policy)', () => {
  it('is named "order" and starts with no order at version 0', () => {
    expect(orderBehavior.name).to.equal('order');
    expect(orderBehavior.initialState()).to.deep.equal({ status: 'None', version: 0 });
  });

  it('PlaceOrder: asks the payment actor to charge, with the token, and publishes nothing yet', async () => {
    const handled = await orderBehavior.handle(
      orderBehavior.initialState(),
      orderBehavior.decode(placeOrder),
      context({ replyTo: replyAddress('corr-1') }),
    );
    expect(handled.publish).to.deep.equal([]);
    expect(handled.reply).to.equal(undefined);
    expect(handled.send).to.deep.equal([
      {
        to: { type: 'payment', key: KEY },
        msg: {
          type: 'ChargePayment',
          data: {
            orderId: KEY,
            customerId: 'c-1',
            amount: 99_800,
            currency: 'EUR',
            paymentToken: 'tok_visa',
          },
        },
      },
    ]);
    expect(handled.state).to.include({ status: 'Paying', version: 1 });
  });

  it('approved: publishes OrderPlaced and OrderStatusChanged stamped with versions, and hands the order to the store', async () => {
    const paying = (await run(orderBehavior.initialState(), placeOrder)).state;
    const handled = await run(paying, {
      type: 'PaymentResult',
      data: { outcome: 'approved', chargeId: 'ch-1' },
    });
    const base = { orderId: KEY, customerId: 'c-1', at: NOW };
    expect(handled.publish).to.deep.equal([
      {
        type: 'OrderPlaced',
        data: {
          ...base,
          productId: 'wm-100',
          quantity: 2,
          amount: 99_800,
          currency: 'EUR',
          address: '1 Main Street',
          version: 2,
        },
      },
      { type: 'OrderStatusChanged', data: { ...base, status: 'Ordered', version: 3 } },
    ]);
    expect(handled.send).to.deep.equal([
      {
        to: { type: 'store', key: KEY },
        msg: {
          type: 'ReceiveOrder',
          data: {
            orderId: KEY,
            customerId: 'c-1',
            productId: 'wm-100',
            quantity: 2,
            amount: 99_800,
            currency: 'EUR',
            address: '1 Main Street',
          },
        },
      },
    ]);
    expect(handled.state.version).to.equal(3);
  });

  it('declined: publishes OrderRejected and sends nothing (it never reaches the store)', async () => {
    const handled = await run(orderBehavior.initialState(), placeOrder, {
      type: 'PaymentResult',
      data: { outcome: 'declined' },
    });
    expect(handled.publish?.map((e) => e.type)).to.deep.equal(['OrderRejected', 'OrderStatusChanged']);
    expect(handled.send).to.deep.equal([]);
  });

  it('unavailable: publishes nothing and sends nothing', async () => {
    const handled = await run(orderBehavior.initialState(), placeOrder, {
      type: 'PaymentResult',
      data: { outcome: 'unavailable', retryAfterSeconds: 3 },
    });
    expect(handled.publish).to.deep.equal([]);
    expect(handled.send).to.deep.equal([]);
    expect(handled.state).to.deep.equal({ status: 'None', version: 2 });
  });

  it('CancelOrder: asks the delivery first; its answer cancels the order, refunds, cancels the store order and answers ok', async () => {
    const paid = await run(orderBehavior.initialState(), placeOrder, {
      type: 'PaymentResult',
      data: { outcome: 'approved', chargeId: 'ch-1' },
    });
    const r1 = replyAddress('corr-cancel');
    const asked = await orderBehavior.handle(
      paid.state,
      orderBehavior.decode({ type: 'CancelOrder', data: { customerId: 'c-1' } }),
      context({ replyTo: r1 }),
    );
    expect(asked.reply, 'no answer before the delivery has answered').to.equal(undefined);
    expect(asked.publish).to.deep.equal([]);
    expect(asked.send).to.deep.equal([
      { to: { type: 'delivery', key: KEY }, msg: { type: 'CancelDelivery', data: {} } },
    ]);
    // Asked again before the delivery answered (its answer lost, say): the delivery is asked again.
    const again1 = await run(asked.state, { type: 'CancelOrder', data: { customerId: 'c-1' } });
    expect(again1.send).to.deep.equal(asked.send);

    const handled = await run(asked.state, { type: 'DeliveryCancelled', data: {} });
    expect(handled.replies).to.deep.equal([{ to: r1, body: { kind: 'ok', status: 'Cancelled' } }]);
    expect(handled.publish?.map((e) => e.type)).to.deep.equal(['OrderCancelled', 'OrderStatusChanged']);
    expect(handled.send).to.deep.equal([
      { to: { type: 'payment', key: KEY }, msg: { type: 'RefundPayment', data: {} } },
      { to: { type: 'store', key: KEY }, msg: { type: 'CancelStoreOrder', data: {} } },
    ]);
    const again = await orderBehavior.handle(
      handled.state,
      orderBehavior.decode({ type: 'CancelOrder', data: { customerId: 'c-1' } }),
      context(),
    );
    expect(again).to.deep.equal({
      state: handled.state,
      publish: [],
      send: [],
      reply: { kind: 'ok', status: 'Cancelled' },
    });
  });

  it('CancelOrder answered by a delivery that was delivered first: Delivered, nothing refunded, the request refused', async () => {
    const r1 = replyAddress('corr-cancel');
    const started = await run(
      orderBehavior.initialState(),
      placeOrder,
      { type: 'PaymentResult', data: { outcome: 'approved', chargeId: 'ch-1' } },
      { type: 'DeliveryStarted', data: { courierId: 'k-1' } },
    );
    const asked = await orderBehavior.handle(
      started.state,
      orderBehavior.decode({ type: 'CancelOrder', data: { customerId: 'c-1' } }),
      context({ replyTo: r1 }),
    );
    const handled = await run(asked.state, { type: 'DeliveryCompleted', data: { courierId: 'k-1' } });
    expect(handled.replies).to.deep.equal([
      { to: r1, body: { kind: 'not-cancellable', status: 'Delivered' } },
    ]);
    expect(handled.publish?.map((e) => e.type)).to.deep.equal(['OrderStatusChanged']);
    expect(handled.send).to.deep.equal([]);
    expect(handled.state).to.include({ status: 'Delivered' });
    expect(handled.state).to.not.have.property('cancelWaiters');
  });

  it('followed statuses are published as OrderStatusChanged and send nothing', async () => {
    const handled = await run(
      orderBehavior.initialState(),
      placeOrder,
      { type: 'PaymentResult', data: { outcome: 'approved', chargeId: 'ch-1' } },
      { type: 'StoreOrderAccepted', data: {} },
    );
    expect(handled.publish).to.deep.equal([
      {
        type: 'OrderStatusChanged',
        data: { customerId: 'c-1', status: 'Accepted', orderId: KEY, at: NOW, version: 4 },
      },
    ]);
    expect(handled.send).to.deep.equal([]);
  });

  describe('decode', () => {
    const malformed: [string, unknown][] = [
      ['an unknown type', { type: 'Explode', data: {} }],
      ['a missing field', { type: 'PlaceOrder', data: { ...placeOrder.data, paymentToken: undefined } }],
      ['a quantity out of range', { type: 'PlaceOrder', data: { ...placeOrder.data, quantity: 11 } }],
      ['a fractional amount', { type: 'PlaceOrder', data: { ...placeOrder.data, amount: 1.5 } }],
      ['an unknown payment outcome', { type: 'PaymentResult', data: { outcome: 'maybe' } }],
      ['no data', { type: 'CancelOrder', data: null }],
    ];
    for (const [name, data] of malformed) {
      it(`rejects ${name} with a TerminalError`, () => {
        const msg = data as { type: string; data: unknown };
        expect(() => orderBehavior.decode(msg))
          .to.throw(TerminalError)
          .that.satisfies(
            (e: TerminalError) =>
              e.code === 'terminal' && e.name === 'TerminalError' && e.cause !== undefined,
          );
      });
    }

    it('accepts every well-formed command', () => {
      for (const msg of [
        placeOrder,
        { type: 'PaymentResult', data: { outcome: 'approved', chargeId: 'ch-1' } },
        { type: 'PaymentResult', data: { outcome: 'declined' } },
        { type: 'PaymentResult', data: { outcome: 'unavailable', retryAfterSeconds: 2 } },
        { type: 'CancelOrder', data: { customerId: 'c-1' } },
        { type: 'StoreOrderAccepted', data: {} },
        { type: 'StoreOrderPacked', data: {} },
        { type: 'DeliveryStarted', data: { courierId: 'k-1' } },
        { type: 'DeliveryCompleted', data: { courierId: 'k-1' } },
        { type: 'DeliveryCancelled', data: {} },
        { type: 'PaymentRefunded', data: { refundId: 'rf-1' } },
      ]) {
        expect(orderBehavior.decode(msg)).to.deep.equal(msg);
      }
    });
  });
});
