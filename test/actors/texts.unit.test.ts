import { expect } from 'chai';
import { CATALOGUE, findProduct } from '../../actors/catalogue.js';
import { eventSource, type DomainEvent, type MessageKind } from '../../actors/events.js';
import { formatMoney, messageFor, messageId, untoldEvents } from '../../actors/message/texts.js';

const base = { orderId: 'o-1', customerId: 'c-1', version: 3, at: 0 };

describe('customer messages', () => {
  const told: [DomainEvent, MessageKind, RegExp][] = [
    [
      {
        type: 'OrderPlaced',
        data: { ...base, productId: 'wm-100', quantity: 2, amount: 99_800, currency: 'EUR', address: 'x' },
      },
      'OrderPlaced',
      /o-1.*2 × Washing machine WM-100.*EUR 998\.00/,
    ],
    [
      { type: 'DeliveryStarted', data: { ...base, courierId: 'k-1' } },
      'DeliveryStarted',
      /o-1.*on its way.*k-1/,
    ],
    [
      { type: 'DeliveryCompleted', data: { ...base, courierId: 'k-1' } },
      'DeliveryCompleted',
      /o-1.*delivered/,
    ],
    [
      { type: 'DeliveryCancelled', data: { ...base, courierId: 'k-1' } },
      'DeliveryCancelled',
      /delivery of your order o-1.*cancelled/,
    ],
    [{ type: 'OrderCancelled', data: base }, 'OrderCancelled', /o-1.*cancelled.*refunded/],
  ];
  for (const [event, kind, text] of told) {
    it(`${event.type} → a ${kind} message`, () => {
      const message = messageFor(event);
      expect(message?.kind).to.equal(kind);
      expect(message?.text).to.match(text);
    });
  }

  it('an unknown product is named by its id', () => {
    const event: DomainEvent = {
      type: 'OrderPlaced',
      data: { ...base, productId: 'zz-9', quantity: 1, amount: 100, currency: 'EUR', address: 'x' },
    };
    expect(messageFor(event)?.text).to.contain('1 × zz-9 (EUR 1.00)');
  });

  const silent: DomainEvent[] = [
    {
      type: 'OrderRejected',
      data: { ...base, productId: 'wm-100', quantity: 1, amount: 1, currency: 'EUR' },
    },
    { type: 'OrderStatusChanged', data: { ...base, status: 'Accepted' } },
    { type: 'PaymentApproved', data: { ...base, amount: 1, currency: 'EUR', chargeId: 'ch' } },
    { type: 'PaymentDeclined', data: { ...base, amount: 1, currency: 'EUR' } },
    { type: 'PaymentRefunded', data: { ...base, amount: 1, currency: 'EUR', refundId: 'rf' } },
    {
      type: 'StoreOrderReceived',
      data: { ...base, productId: 'wm-100', quantity: 1, amount: 1, currency: 'EUR', address: 'x' },
    },
    { type: 'StoreOrderAccepted', data: base },
    { type: 'StoreOrderPacked', data: base },
    { type: 'StoreOrderCancelled', data: base },
  ];
  it('other events tell the customer nothing', () => {
    for (const event of silent) expect(messageFor(event), event.type).to.equal(null);
  });

  it('untoldEvents (what the notifier skips unread) are exactly the silent types, and every type is one or the other', () => {
    expect([...untoldEvents].sort()).to.deep.equal(silent.map((e) => e.type).sort());
    const all = [...told.map(([e]) => e.type), ...silent.map((e) => e.type)].sort();
    expect(all).to.deep.equal(Object.keys(eventSource).sort());
  });

  it('messageId is stable per (order, kind) and differs otherwise', () => {
    const id = messageId('o-1', 'OrderPlaced');
    expect(id).to.match(/^[0-9a-f]{32}$/);
    expect(messageId('o-1', 'OrderPlaced')).to.equal(id);
    expect(messageId('o-1', 'OrderCancelled')).not.to.equal(id);
    expect(messageId('o-2', 'OrderPlaced')).not.to.equal(id);
  });

  it('formatMoney shows minor units as a decimal amount', () => {
    expect(formatMoney(14_990, 'EUR')).to.equal('EUR 149.90');
    expect(formatMoney(5, 'EUR')).to.equal('EUR 0.05');
  });
});

describe('catalogue', () => {
  it('has at least 3 appliances priced in integer euro cents, with unique ids', () => {
    expect(CATALOGUE.length).to.be.at.least(3);
    for (const p of CATALOGUE) {
      expect(Number.isInteger(p.price) && p.price > 0, p.id).to.equal(true);
      expect(p.currency).to.equal('EUR');
      expect(p.name).to.be.a('string').that.is.not.empty;
    }
    expect(new Set(CATALOGUE.map((p) => p.id)).size).to.equal(CATALOGUE.length);
  });

  it('finds a product by id, and nothing for an unknown id', () => {
    expect(findProduct('wm-100')).to.deep.equal(CATALOGUE[0]);
    expect(findProduct('nope')).to.equal(undefined);
    expect(Object.isFrozen(CATALOGUE)).to.equal(true);
  });
});
