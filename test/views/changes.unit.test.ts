import { expect } from 'chai';
import { myPageChange, storeBoardChange } from '../../views/changes.js';
import { decodeCursor, encodeCursor, InvalidCursorError } from '../../views/cursor.js';
import { sortHistory } from '../../views/documents.js';
import { OrderEvents, T0 } from './fixtures.js';

describe('read-model changes (pure)', function () {
  const o = new OrderEvents('o-1', 'c-1');

  it('OrderPlaced carries the order line and sets Ordered on the order slot', function () {
    expect(myPageChange(o.placed({ version: 1, at: T0 }))).to.deep.equal({
      orderId: 'o-1',
      customerId: 'c-1',
      source: 'order',
      version: 1,
      at: T0,
      line: { productId: 'fridge-x1', quantity: 2, amount: 99800, currency: 'EUR', createdAt: T0 },
      set: { orderStatus: 'Ordered' },
      label: 'Ordered',
    });
    expect(storeBoardChange(o.placed())).to.equal(null);
  });

  it('labels payment and delivery changes so they never collide with order statuses', function () {
    const labels = [
      o.approved(),
      o.declined(),
      o.refunded({}),
      o.delivery('DeliveryStarted'),
      o.delivery('DeliveryCompleted'),
      o.delivery('DeliveryCancelled'),
      o.cancelled({}),
      o.status('Packed', {}),
    ].map((e) => {
      const c = myPageChange(e);
      return [c?.source, c?.set, c?.label];
    });
    expect(labels).to.deep.equal([
      ['payment', { paymentStatus: 'Approved' }, 'PaymentApproved'],
      ['payment', { paymentStatus: 'Declined' }, 'PaymentDeclined'],
      ['payment', { paymentStatus: 'Refunded' }, 'PaymentRefunded'],
      ['delivery', { deliveryStatus: 'Started' }, 'DeliveryStarted'],
      ['delivery', { deliveryStatus: 'Delivered' }, 'Delivered'],
      ['delivery', { deliveryStatus: 'Cancelled' }, 'DeliveryCancelled'],
      ['order', { orderStatus: 'Cancelled' }, 'Cancelled'],
      ['order', { orderStatus: 'Packed' }, 'Packed'],
    ]);
  });

  it('store events touch only the store board', function () {
    expect(myPageChange(o.received())).to.equal(null);
    expect(storeBoardChange(o.received({ version: 1, at: T0 }))).to.deep.equal({
      orderId: 'o-1',
      version: 1,
      at: T0,
      facts: { productId: 'fridge-x1', quantity: 2, address: o.address, receivedAt: T0 },
      status: 'Received',
    });
    expect(storeBoardChange(o.store('StoreOrderPacked', { version: 3 }))).to.include({
      status: 'Packed',
      facts: null,
    });
    expect(storeBoardChange(o.approved())).to.equal(null);
  });

  it('cursors round-trip and reject what they did not make', function () {
    const c = encodeCursor({ score: T0, id: 'o-ü/1' });
    expect(c).to.match(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(c)).to.deep.equal({ score: T0, id: 'o-ü/1' });
    expect(decodeCursor(null)).to.equal(null);
    // A score no Date can hold (the Mongo adapter would fail casting it) is not one of ours.
    for (const score of [1e20, -1e300, 8_640_000_000_000_001]) {
      const forged = Buffer.from(JSON.stringify([score, 'x'])).toString('base64url');
      expect(() => decodeCursor(forged), String(score)).to.throw(InvalidCursorError);
    }
    const bad = Buffer.from('["x","y"]').toString('base64url');
    expect(() => decodeCursor(bad)).to.throw(InvalidCursorError);
  });

  it('sorts a history in lifecycle order, whatever the times the actors recorded', () => {
    const t = (ms: number) => new Date(T0 + ms).toISOString();
    const history = [
      { status: 'Delivered', at: t(9) },
      { status: 'DeliveryStarted', at: t(5) },
      // The order heard of the packing after the delivery had started.
      { status: 'Packed', at: t(6) },
      { status: 'Ordered', at: t(1) },
      { status: 'PaymentApproved', at: t(1) },
      { status: 'Accepted', at: t(3) },
    ];
    expect(sortHistory(history).map((h) => h.status)).to.deep.equal([
      'PaymentApproved',
      'Ordered',
      'Accepted',
      'Packed',
      'DeliveryStarted',
      'Delivered',
    ]);
  });
});
