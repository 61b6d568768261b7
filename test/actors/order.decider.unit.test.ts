import { expect } from 'chai';
import type { OrderStatus } from '../../actors/events.js';
import { orderDecider } from '../../actors/order/decider.js';
import type { OrderCommand } from '../../actors/order/messages.js';
import type { OrderEvent } from '../../actors/order/state.js';
import { orderView } from '../../actors/order/view.js';
import { EARLIER, KEY, NOW, replyAddress, scenario } from './given.js';

const { given } = scenario(orderDecider);

const details = {
  customerId: 'c-1',
  productId: 'wm-100',
  quantity: 2,
  amount: 99_800,
  currency: 'EUR',
  address: '1 Main Street, Springfield',
};
const r1 = replyAddress('corr-1');
const r2 = replyAddress('corr-2');

const placeOrder = (customerId = 'c-1'): OrderCommand => ({
  type: 'PlaceOrder',
  data: { orderId: KEY, ...details, customerId, paymentToken: 'tok_visa' },
});
const cancel = (customerId = 'c-1'): OrderCommand => ({ type: 'CancelOrder', data: { customerId } });
const approved: OrderCommand = { type: 'PaymentResult', data: { outcome: 'approved', chargeId: 'ch-1' } };
const declined: OrderCommand = { type: 'PaymentResult', data: { outcome: 'declined' } };
const unavailable: OrderCommand = {
  type: 'PaymentResult',
  data: { outcome: 'unavailable', retryAfterSeconds: 5 },
};

const requested = (replyTo = r1): OrderEvent => ({
  type: 'PaymentRequested',
  data: { ...details, paymentToken: 'tok_visa', replyTo },
});
const { address: _address, ...line } = details;
const placed: OrderEvent = { type: 'OrderPlaced', data: details };
const rejected: OrderEvent = { type: 'OrderRejected', data: line };
const changed = (status: OrderStatus): OrderEvent => ({
  type: 'OrderStatusChanged',
  data: { customerId: 'c-1', status },
});
const cancelled: OrderEvent = { type: 'OrderCancelled', data: { customerId: 'c-1' } };

const paying = [requested()];
const ordered = [requested(), placed, changed('Ordered')];
const upTo = (status: OrderStatus): OrderEvent[] => {
  const path: OrderStatus[] = ['Accepted', 'Packed', 'DeliveryStarted', 'Delivered'];
  return [...ordered, ...path.slice(0, path.indexOf(status) + 1).map(changed)];
};
const rejectedOrder = [requested(), rejected, changed('Rejected')];
const cancelledOrder = [...ordered, cancelled, changed('Cancelled')];

const view = (status: OrderStatus, createdAt = NOW, updatedAt = createdAt) => ({
  orderId: KEY,
  status,
  ...details,
  createdAt: new Date(createdAt).toISOString(),
  updatedAt: new Date(updatedAt).toISOString(),
});

describe('order decider', () => {
  describe('PlaceOrder', () => {
    it('given no order, asks for the payment and keeps the request to answer later, not the token', () => {
      const t = given([])
        .when(placeOrder(), { replyTo: r1 })
        .then([requested(r1)])
        .reply(undefined)
        .state({ status: 'Paying', version: 1, waiters: [r1] });
      expect(JSON.stringify(t.after)).not.to.contain('tok_visa');
    });

    it('given no order and no reply address, still asks for the payment with no waiter', () => {
      given([])
        .when(placeOrder())
        .then([{ type: 'PaymentRequested', data: { ...details, paymentToken: 'tok_visa', replyTo: null } }])
        .state({ status: 'Paying', waiters: [] });
    });

    it('given a payment in flight, a retried request is answered with the first', () => {
      given(paying)
        .when(placeOrder(), { replyTo: r2 })
        .then([{ type: 'WaiterAdded', data: { replyTo: r2 } }])
        .reply(undefined)
        .state({ status: 'Paying', waiters: [r1, r2] });
    });

    it('given a payment in flight, a retry without a reply address does nothing', () => {
      given(paying).when(placeOrder()).thenNothing().reply(undefined);
    });

    it('given a payment in flight for another customer, answers "try again" and changes nothing', () => {
      given(paying)
        .when(placeOrder('c-2'), { replyTo: r2 })
        .thenNothing()
        .reply({ kind: 'unavailable', retryAfterSeconds: 1 });
    });

    it('given an order placed, answers placed with the order (an idempotent replay)', () => {
      given(ordered)
        .when(placeOrder(), { replyTo: r2 })
        .thenNothing()
        .reply({ kind: 'placed', order: view('Ordered', EARLIER) });
    });

    it('given an order further on, answers placed with its current status', () => {
      given(upTo('Packed'))
        .when(placeOrder(), { replyTo: r2 })
        .thenNothing()
        .reply({ kind: 'placed', order: view('Packed', EARLIER) });
    });

    it('given a cancelled order, answers placed with status Cancelled', () => {
      given(cancelledOrder)
        .when(placeOrder(), { replyTo: r2 })
        .thenNothing()
        .reply({ kind: 'placed', order: view('Cancelled', EARLIER) });
    });

    it('given a rejected order, answers declined', () => {
      given(rejectedOrder)
        .when(placeOrder(), { replyTo: r2 })
        .thenNothing()
        .reply({ kind: 'declined', order: view('Rejected', EARLIER) });
    });

    it('given an order of another customer, never shows it', () => {
      given(ordered)
        .when(placeOrder('c-2'), { replyTo: r2 })
        .thenNothing()
        .reply({ kind: 'unavailable', retryAfterSeconds: 1 });
    });

    describe('keyed requests (an Idempotency-Key: the order keeps the body hash it was placed with)', () => {
      const keyed = (requestHash: string): OrderCommand => ({
        type: 'PlaceOrder',
        data: { orderId: KEY, ...details, paymentToken: 'tok_visa', requestHash },
      });
      const requestedWith = (requestHash: string, replyTo = r1): OrderEvent => ({
        type: 'PaymentRequested',
        data: { ...details, paymentToken: 'tok_visa', replyTo, requestHash },
      });

      it('keeps the hash while paying and once placed', () => {
        given([])
          .when(keyed('h-a'), { replyTo: r1 })
          .then([requestedWith('h-a')])
          .state({
            status: 'Paying',
            requestHash: 'h-a',
          });
        given([requestedWith('h-a'), placed, changed('Ordered')])
          .when(keyed('h-a'), { replyTo: r2 })
          .thenNothing()
          .reply({ kind: 'placed', order: view('Ordered', EARLIER) })
          .state({ status: 'Ordered', requestHash: 'h-a' });
      });

      it('the same key with another body, once placed: key-reused, nothing changes', () => {
        given([requestedWith('h-a'), placed, changed('Ordered')])
          .when(keyed('h-b'), { replyTo: r2 })
          .thenNothing()
          .reply({ kind: 'key-reused' });
      });

      it('the same key with another body, while paying: key-reused, not added as a waiter', () => {
        given([requestedWith('h-a')])
          .when(keyed('h-b'), { replyTo: r2 })
          .thenNothing()
          .reply({ kind: 'key-reused' })
          .state({ status: 'Paying', waiters: [r1] });
      });

      it('the same key with another body after a decline: key-reused, not declined', () => {
        given([requestedWith('h-a'), rejected, changed('Rejected')])
          .when(keyed('h-b'), { replyTo: r2 })
          .thenNothing()
          .reply({ kind: 'key-reused' });
      });

      it('an order placed without a hash (before hashes were kept) is not compared', () => {
        given(ordered)
          .when(keyed('h-b'), { replyTo: r2 })
          .thenNothing()
          .reply({ kind: 'placed', order: view('Ordered', EARLIER) });
      });

      it('after payment-unavailable nothing is kept: another body may place the order', () => {
        given([requestedWith('h-a'), { type: 'PaymentUnavailable', data: { retryAfterSeconds: 5 } }])
          .when(keyed('h-b'), { replyTo: r2 })
          .then([requestedWith('h-b', r2)])
          .state({ status: 'Paying', requestHash: 'h-b' });
      });
    });
  });

  describe("the edge's deadline (answerBy)", () => {
    const by = (answerBy: number): OrderCommand => ({
      type: 'PlaceOrder',
      data: { orderId: KEY, ...details, paymentToken: 'tok_visa', answerBy },
    });
    const requestedBy = (answerBy: number, replyTo = r1): OrderEvent => ({
      type: 'PaymentRequested',
      data: { ...details, paymentToken: 'tok_visa', replyTo, answerBy },
    });

    it('a placing taken up after it is dropped: no payment asked, no answer', () => {
      given([])
        .when(by(NOW - 1), { replyTo: r1 })
        .thenNothing()
        .reply(undefined);
    });

    it('a placing taken up before it asks for the payment as usual', () => {
      given([])
        .when(by(NOW + 1000), { replyTo: r1 })
        .then([requestedBy(NOW + 1000)])
        .state({ status: 'Paying', answerBy: NOW + 1000 });
    });

    const abandon = (answerBy: number, customerId = 'c-1'): OrderCommand => ({
      type: 'AbandonPlacement',
      data: { customerId, answerBy },
    });
    const givenUp: OrderEvent = { type: 'PlacementGivenUp', data: {} };
    const abandonedEvent: OrderEvent = { type: 'PlacementAbandoned', data: {} };
    const notPlaced = { kind: 'unavailable', retryAfterSeconds: 1 } as const;

    it('AbandonPlacement while paying: given up, "not placed"; the approval then places no order and the charge is abandoned', () => {
      given([requestedBy(NOW - 1)])
        .when(abandon(NOW - 1), { replyTo: r1 })
        .then([givenUp])
        .reply(notPlaced)
        .state({ status: 'Paying', abandoned: true, waiters: [] });
      given([requestedBy(NOW - 1), givenUp])
        .when(approved)
        .then([abandonedEvent])
        .replies(undefined)
        .state({ status: 'None' });
    });

    it('a decline after it leaves no Rejected order either', () => {
      given([requestedBy(NOW - 1), givenUp])
        .when(declined)
        .then([abandonedEvent])
        .state({ status: 'None' });
    });

    it('AbandonPlacement after the outcome: the outcome (placed or declined), nothing given up', () => {
      given(ordered)
        .when(abandon(NOW - 1), { replyTo: r1 })
        .then([])
        .reply({ kind: 'placed', order: view('Ordered', EARLIER) });
      given([])
        .when(abandon(NOW - 1), { replyTo: r1 })
        .then([])
        .reply(notPlaced);
    });

    it('AbandonPlacement while a retry with a later deadline still waits: nothing given up', () => {
      given([requestedBy(NOW - 1), { type: 'WaiterAdded', data: { replyTo: r2, answerBy: NOW + 1000 } }])
        .when(abandon(NOW - 1), { replyTo: r1 })
        .then([])
        .reply(notPlaced);
    });

    it('a retry after the placing was given up takes it up again: the approval places the order', () => {
      const order = view('Ordered');
      given([
        requestedBy(NOW - 1),
        givenUp,
        { type: 'WaiterAdded', data: { replyTo: r2, answerBy: NOW + 1000 } },
      ])
        .when(approved)
        .then([placed, changed('Ordered')])
        .replies([{ to: r2, body: { kind: 'placed', order } }]);
    });

    it('an approval in time, with nobody given up, places the order whatever the clock says', () => {
      given([requestedBy(NOW - 1)])
        .when(approved)
        .then([placed, changed('Ordered')]);
    });
  });

  describe('PaymentResult', () => {
    it('approved: the order is placed and every waiting request is answered', () => {
      const order = view('Ordered');
      given([requested(r1), { type: 'WaiterAdded', data: { replyTo: r2 } }])
        .when(approved)
        .then([placed, changed('Ordered')])
        .reply(undefined)
        .replies([
          { to: r1, body: { kind: 'placed', order } },
          { to: r2, body: { kind: 'placed', order } },
        ])
        .state({ status: 'Ordered', version: 4, createdAt: NOW, updatedAt: NOW, refunded: false });
    });

    it('declined: the order is rejected and the waiter told so', () => {
      given(paying)
        .when(declined)
        .then([rejected, changed('Rejected')])
        .replies([{ to: r1, body: { kind: 'declined', order: view('Rejected') } }])
        .state({ status: 'Rejected', details });
    });

    it('unavailable: no order is established and the waiter is asked to retry', () => {
      given(paying)
        .when(unavailable)
        .then([{ type: 'PaymentUnavailable', data: { retryAfterSeconds: 5 } }])
        .replies([{ to: r1, body: { kind: 'unavailable', retryAfterSeconds: 5 } }])
        .state({ status: 'None', version: 2 });
    });

    it('after unavailable, the customer can place the order again', () => {
      given([requested(), { type: 'PaymentUnavailable', data: { retryAfterSeconds: 5 } }])
        .when(placeOrder(), { replyTo: r2 })
        .then([requested(r2)])
        .state({ status: 'Paying', version: 3, waiters: [r2] });
    });

    for (const [name, history] of [
      ['no order', []],
      ['an order placed', ordered],
      ['a rejected order', rejectedOrder],
    ] as const) {
      it(`given ${name}, a late or repeated result changes nothing`, () => {
        given(history).when(approved).thenNothing().replies(undefined);
        given(history).when(declined).thenNothing().replies(undefined);
        given(history).when(unavailable).thenNothing().replies(undefined);
      });
    }
  });

  describe('following the store and the delivery', () => {
    const steps: [OrderCommand, OrderStatus, OrderStatus][] = [
      [{ type: 'StoreOrderAccepted', data: {} }, 'Ordered', 'Accepted'],
      [{ type: 'StoreOrderPacked', data: {} }, 'Accepted', 'Packed'],
      [{ type: 'DeliveryStarted', data: { courierId: 'k-1' } }, 'Packed', 'DeliveryStarted'],
      [{ type: 'DeliveryCompleted', data: { courierId: 'k-1' } }, 'DeliveryStarted', 'Delivered'],
    ];
    const history = (status: OrderStatus): OrderEvent[] => (status === 'Ordered' ? ordered : upTo(status));

    for (const [command, from, to] of steps) {
      it(`${command.type}: ${from} → ${to}`, () => {
        given(history(from))
          .when(command)
          .then([changed(to)])
          .state({ status: to, updatedAt: NOW, createdAt: EARLIER });
      });

      it(`${command.type} again when already ${to}: nothing`, () => {
        given(history(to)).when(command).thenNothing();
      });

      it(`${command.type} once Cancelled or Rejected: nothing`, () => {
        given(cancelledOrder).when(command).thenNothing();
        given(rejectedOrder).when(command).thenNothing();
      });

      it(`${command.type} before the order exists: nothing`, () => {
        given([]).when(command).thenNothing();
        given(paying).when(command).thenNothing();
      });
    }

    it('never moves backwards (a late StoreOrderAccepted after the delivery started)', () => {
      given(upTo('DeliveryStarted')).when({ type: 'StoreOrderAccepted', data: {} }).thenNothing();
      given(upTo('Delivered')).when({ type: 'StoreOrderPacked', data: {} }).thenNothing();
    });

    it('may skip a step it has not heard of yet (delivery started before packing arrived)', () => {
      given(upTo('Accepted'))
        .when({ type: 'DeliveryStarted', data: { courierId: 'k-1' } })
        .then([changed('DeliveryStarted')]);
    });

    it('a DeliveryCancelled the order did not wait for changes nothing (cancelled already, or never asked)', () => {
      given(cancelledOrder).when({ type: 'DeliveryCancelled', data: {} }).thenNothing();
      given(upTo('DeliveryStarted')).when({ type: 'DeliveryCancelled', data: {} }).thenNothing();
    });

    it('PaymentRefunded records the refund once', () => {
      const refunded: OrderCommand = { type: 'PaymentRefunded', data: { refundId: 'rf-1' } };
      given(cancelledOrder)
        .when(refunded)
        .then([{ type: 'RefundRecorded', data: { refundId: 'rf-1' } }])
        .state({ status: 'Cancelled', refunded: true });
      given([...cancelledOrder, { type: 'RefundRecorded', data: { refundId: 'rf-1' } }])
        .when(refunded)
        .thenNothing();
      given([]).when(refunded).thenNothing();
    });
  });

  describe('CancelOrder', () => {
    const requested = (replyTo: ReturnType<typeof replyAddress> | null = r1): OrderEvent => ({
      type: 'CancellationRequested',
      data: { customerId: 'c-1', replyTo },
    });
    for (const status of ['Ordered', 'Accepted', 'Packed', 'DeliveryStarted'] as const) {
      const before = status === 'Ordered' ? ordered : upTo(status);
      it(`from ${status}: asks the delivery first and answers later`, () => {
        given(before)
          .when(cancel(), { replyTo: r1 })
          .then([requested()])
          .reply(undefined)
          .state({ status, cancelWaiters: [r1] });
      });

      it(`from ${status}: the delivery's "nothing will be delivered" cancels it and answers ok`, () => {
        const t = given([...before, requested()])
          .when({ type: 'DeliveryCancelled', data: {} })
          .then([cancelled, changed('Cancelled')])
          .replies([{ to: r1, body: { kind: 'ok', status: 'Cancelled' } }])
          .state({ status: 'Cancelled', updatedAt: NOW });
        expect(t.after).to.not.have.property('cancelWaiters');
      });
    }

    it('the courier was first (the delivery answers Delivered): not cancelled, the request refused', () => {
      const t = given([...upTo('DeliveryStarted'), requested()])
        .when({ type: 'DeliveryCompleted', data: { courierId: 'k-1' } })
        .then([changed('Delivered')])
        .replies([{ to: r1, body: { kind: 'not-cancellable', status: 'Delivered' } }])
        .state({ status: 'Delivered' });
      expect(t.after).to.not.have.property('cancelWaiters');
    });

    it('asked again while the delivery has not answered: the request waits too, and the delivery is asked again', () => {
      given([...upTo('Packed'), requested()])
        .when(cancel(), { replyTo: r2 })
        .then([{ type: 'CancellationRepeated', data: { replyTo: r2 } }])
        .reply(undefined)
        .state({ cancelWaiters: [r1, r2] });
      given([...upTo('Packed'), requested()])
        .when(cancel())
        .then([{ type: 'CancellationRepeated', data: { replyTo: null } }])
        .state({ cancelWaiters: [r1] });
    });

    it('a delivery status while waiting is followed, and the cancellation still waits', () => {
      given([...upTo('Packed'), requested()])
        .when({ type: 'DeliveryStarted', data: { courierId: 'k-1' } })
        .then([changed('DeliveryStarted')])
        .state({ status: 'DeliveryStarted', cancelWaiters: [r1] });
    });

    it('again: the same answer and no events (nothing refunded twice)', () => {
      given(cancelledOrder).when(cancel()).thenNothing().reply({ kind: 'ok', status: 'Cancelled' });
    });

    it('a delivered order is not cancellable', () => {
      given(upTo('Delivered'))
        .when(cancel())
        .thenNothing()
        .reply({ kind: 'not-cancellable', status: 'Delivered' });
    });

    it('a rejected order is not cancellable', () => {
      given(rejectedOrder)
        .when(cancel())
        .thenNothing()
        .reply({ kind: 'not-cancellable', status: 'Rejected' });
    });

    it("no order, an order being paid, or another customer's order: not found", () => {
      given([]).when(cancel()).thenNothing().reply({ kind: 'not-found' });
      given(paying).when(cancel()).thenNothing().reply({ kind: 'not-found' });
      given(ordered).when(cancel('c-2')).thenNothing().reply({ kind: 'not-found' });
    });
  });

  describe('orderView', () => {
    it('is null until the order is established', () => {
      expect(orderView(given([]).state)).to.equal(null);
      expect(orderView(given(paying).state)).to.equal(null);
    });

    it('shows the established order', () => {
      expect(orderView(given(upTo('Accepted')).state)).to.deep.equal(view('Accepted', EARLIER));
      expect(orderView(given(rejectedOrder).state)).to.deep.equal(view('Rejected', EARLIER));
    });
  });

  it('evolve ignores events that do not fit the state', () => {
    const none = given([]).state;
    expect(given([{ type: 'WaiterAdded', data: { replyTo: r1 } }]).state).to.deep.equal({
      ...none,
      version: 1,
    });
    expect(given([placed]).state).to.deep.equal({ ...none, version: 1 });
    expect(given([changed('Accepted')]).state).to.deep.equal({ ...none, version: 1 });
  });
});
