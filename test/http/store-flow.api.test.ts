import { expect } from 'chai';
import { Delivery, Message, MyPageItem, Payment, StoreBoardItem, pageOf } from '../../http/schemas.js';
import { waitFor } from '../support/processes.js';
import { startApiFixture, type ApiFixture } from './support/fixture.js';
import { expectProblem, orderInDelivery, placeOrder } from './support/helpers.js';

describe('API: store, delivery, payments, my page, messages, admin', () => {
  let f: ApiFixture;
  let alice: string;
  let staff: string;
  let admin: string;
  beforeEach(async () => {
    f = await startApiFixture();
    alice = await f.tokenFor('alice', 'customer');
    staff = await f.tokenFor('staff-1', 'staff');
    admin = await f.tokenFor('admin-1', 'admin');
  });
  afterEach(() => f.close());

  it('staff see received orders on the board, filter by status, accept then pack', async () => {
    const id = await placeOrder(f, 'alice');
    const board = await waitFor(async () => {
      const res = await f.request('GET', '/ordermanagements?status=Received', { token: staff });
      const page = pageOf(StoreBoardItem.strict()).parse(res.body);
      return page.items.find((i) => i.orderId === id);
    });
    expect(board).to.include({
      status: 'Received',
      productId: 'wm-100',
      quantity: 2,
      address: '1 Main Street, Springfield',
    });
    expectProblem(
      await f.request('POST', `/ordermanagements/${id}/pack`, { token: staff }),
      409,
      'invalid-transition',
    );
    const accepted = await f.request('POST', `/ordermanagements/${id}/accept`, { token: staff });
    expect(accepted.status).to.equal(202);
    expect(accepted.body).to.deep.equal({ orderId: id, status: 'Accepted' });
    expect((await f.request('POST', `/ordermanagements/${id}/pack`, { token: staff })).status).to.equal(202);
    await waitFor(async () => {
      const res = await f.request('GET', '/ordermanagements?status=Packed', { token: staff });
      return pageOf(StoreBoardItem)
        .parse(res.body)
        .items.some((i) => i.orderId === id);
    });
    const delivery = Delivery.strict().parse(
      (await f.request('GET', `/deliveries/${id}`, { token: alice })).body,
    );
    expect(delivery).to.include({ orderId: id, status: 'Started' });
    expect(f.config.couriers).to.include(delivery.courierId);
  });

  it('accept/pack of an unknown order is 404; of a cancelled order 409 invalid-transition', async () => {
    expectProblem(
      await f.request('POST', '/ordermanagements/ord_nope/accept', { token: staff }),
      404,
      'not-found',
    );
    const id = await placeOrder(f, 'alice');
    expect((await f.request('POST', `/orders/${id}/cancel`, { token: alice })).status).to.equal(202);
    expectProblem(
      await f.request('POST', `/ordermanagements/${id}/accept`, { token: staff }),
      409,
      'invalid-transition',
    );
  });

  it('the assigned courier completes the delivery; the order becomes Delivered; admin may complete too', async () => {
    const id = await orderInDelivery(f, 'alice');
    const courier = await f.tokenFor(f.store.deliveries.get(id)!.courierId, 'courier');
    const res = await f.request('POST', `/deliveries/${id}/complete`, { token: courier });
    expect(res.status).to.equal(202);
    expect(res.body).to.deep.equal({ orderId: id, status: 'Delivered' });
    expect((await f.request('GET', `/orders/${id}`, { token: alice })).body).to.include({
      status: 'Delivered',
    });
    const other = await orderInDelivery(f, 'alice');
    expect((await f.request('POST', `/deliveries/${other}/complete`, { token: admin })).status).to.equal(202);
    expectProblem(
      await f.request('POST', '/deliveries/ord_nope/complete', { token: admin }),
      404,
      'not-found',
    );
  });

  it('completing a cancelled delivery is 409 invalid-transition', async () => {
    const id = await orderInDelivery(f, 'alice');
    expect((await f.request('POST', `/orders/${id}/cancel`, { token: alice })).status).to.equal(202);
    expect(
      Delivery.parse((await f.request('GET', `/deliveries/${id}`, { token: staff })).body).status,
    ).to.equal('Cancelled');
    expectProblem(
      await f.request('POST', `/deliveries/${id}/complete`, { token: admin }),
      409,
      'invalid-transition',
    );
  });

  it('payments: the owner and admin see Approved, then Refunded after a cancel', async () => {
    const id = await placeOrder(f, 'alice');
    for (const token of [alice, admin]) {
      const p = Payment.strict().parse((await f.request('GET', `/payments/${id}`, { token })).body);
      expect(p).to.deep.equal({ orderId: id, status: 'Approved', amount: 2 * 49_900, currency: 'EUR' });
    }
    await f.request('POST', `/orders/${id}/cancel`, { token: alice });
    expect((await f.request('GET', `/payments/${id}`, { token: alice })).body).to.include({
      status: 'Refunded',
    });
    expectProblem(await f.request('GET', '/payments/ord_nope', { token: admin }), 404, 'not-found');
  });

  it('my page: newest first, paginated with a cursor, every status change shows', async () => {
    const ids = [await placeOrder(f, 'alice'), await placeOrder(f, 'alice'), await placeOrder(f, 'alice')];
    const first = await waitFor(async () => {
      const page = pageOf(MyPageItem.strict()).parse(
        (await f.request('GET', '/myPages?limit=2', { token: alice })).body,
      );
      return page.items.length === 2 ? page : null;
    });
    expect(first.next).to.be.a('string');
    const second = pageOf(MyPageItem).parse(
      (await f.request('GET', `/myPages?limit=2&cursor=${encodeURIComponent(first.next!)}`, { token: alice }))
        .body,
    );
    expect(second.next).to.equal(null);
    expect([...first.items, ...second.items].map((i) => i.orderId)).to.have.members(ids);
    expect((await f.request('GET', '/myPages', { token: alice })).body).to.have.nested.property(
      'items.length',
      3,
    );

    await f.request('POST', `/ordermanagements/${ids[0]}/accept`, { token: staff });
    const item = await waitFor(async () => {
      const res = await f.request('GET', `/myPages/${ids[0]}`, { token: alice });
      const parsed = MyPageItem.strict().parse(res.body);
      return parsed.orderStatus === 'Accepted' ? parsed : null;
    });
    expect(item).to.include({ orderId: ids[0], paymentStatus: 'Approved', amount: 2 * 49_900 });
    expect(item.history.map((h) => h.status)).to.include.members(['Ordered', 'Accepted']);
    expectProblem(await f.request('GET', '/myPages/ord_nope', { token: alice }), 404, 'not-found');
  });

  it('messages: the customer gets OrderPlaced, DeliveryStarted, DeliveryCancelled and OrderCancelled', async () => {
    const id = await orderInDelivery(f, 'alice');
    await f.request('POST', `/orders/${id}/cancel`, { token: alice });
    const kinds = await waitFor(async () => {
      const page = pageOf(Message.strict()).parse(
        (await f.request('GET', '/messages', { token: alice })).body,
      );
      const k = page.items.map((m) => m.kind);
      return k.length === 4 ? k : null;
    });
    expect(kinds).to.have.members(['OrderPlaced', 'DeliveryStarted', 'DeliveryCancelled', 'OrderCancelled']);
  });

  it('admin: mailboxes, actor state, dead letters and replay', async () => {
    const id = await placeOrder(f, 'alice');
    const mailboxes = await f.request('GET', '/admin/mailboxes', { token: admin });
    expect(mailboxes.status).to.equal(200);
    expect((mailboxes.body as { items: unknown[] }).items).to.have.length.greaterThan(0);
    const actor = await f.request('GET', `/admin/actors/order/${id}`, { token: admin });
    expect(actor.body).to.include({ type: 'order', key: id });
    expect(actor.body).to.have.nested.property('state.status', 'Ordered');
    expectProblem(await f.request('GET', '/admin/actors/order/ord_nope', { token: admin }), 404, 'not-found');
    expectProblem(await f.request('GET', `/admin/actors/wizard/${id}`, { token: admin }), 400, 'validation');
    f.store.deadLetterList.push({
      id: '17-0',
      type: 'order',
      shard: 3,
      key: id,
      messageType: 'PlaceOrder',
      error: 'boom',
      at: new Date().toISOString(),
    });
    const dead = await f.request('GET', '/admin/dead-letters?limit=10', { token: admin });
    expect(dead.body).to.have.nested.property('items[0].id', '17-0');
    const replay = await f.request('POST', '/admin/dead-letters/17-0/replay', { token: admin });
    expect(replay.status).to.equal(202);
    expect(replay.body).to.deep.equal({ id: '17-0', replayed: true });
    expectProblem(
      await f.request('POST', '/admin/dead-letters/17-0/replay', { token: admin }),
      404,
      'not-found',
    );
  });

  it('the catalogue lists at least 3 appliances with integer minor-unit prices', async () => {
    const res = await f.request('GET', '/products');
    const items = res.body as { id: string; name: string; price: number; currency: string }[];
    expect(items.length).to.be.at.least(3);
    for (const p of items) {
      expect(Object.keys(p)).to.have.members(['id', 'name', 'price', 'currency']);
      expect(Number.isInteger(p.price)).to.equal(true);
    }
  });
});
