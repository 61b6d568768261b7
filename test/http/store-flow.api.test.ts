import { expect } from 'chai';
import {
  Delivery,
  Mailbox,
  Message,
  MyPageItem,
  Payment,
  StoreBoardItem,
  pageOf,
} from '../../http/schemas.js';
import { waitFor } from '../support/processes.js';
import { startApiFixture, type ApiFixture } from './support/fixture.js';
import {
  expectProblem,
  orderInDelivery,
  orderStatus,
  placeOrder,
  pspBooks,
  startedDelivery,
  storeStep,
  uniqueUser,
  waitForOrderStatus,
} from './support/helpers.js';

describe('API: store, delivery, payments, my page, messages, admin (real store on Redis)', () => {
  let f: ApiFixture;
  let aliceId: string;
  let alice: string;
  let staff: string;
  let admin: string;
  before(async () => {
    f = await startApiFixture();
    staff = await f.tokenFor('staff-1', 'staff');
    admin = await f.tokenFor('admin-1', 'admin');
  });
  after(() => f.close());
  beforeEach(async () => {
    aliceId = uniqueUser('alice');
    alice = await f.tokenFor(aliceId, 'customer');
  });

  it('staff see received orders on the board, filter by status, accept then pack', async () => {
    const id = await placeOrder(f, aliceId);
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
    // A step sent again (the retry a 503 asks for) gets the same answer; it is not done twice.
    const again = await f.request('POST', `/ordermanagements/${id}/accept`, { token: staff });
    expect([again.status, again.body]).to.deep.equal([202, { orderId: id, status: 'Accepted' }]);
    expect((await f.request('POST', `/ordermanagements/${id}/pack`, { token: staff })).status).to.equal(202);
    const packedAgain = await f.request('POST', `/ordermanagements/${id}/pack`, { token: staff });
    expect([packedAgain.status, packedAgain.body]).to.deep.equal([202, { orderId: id, status: 'Packed' }]);
    await waitFor(async () => {
      const res = await f.request('GET', '/ordermanagements?status=Packed', { token: staff });
      return pageOf(StoreBoardItem)
        .parse(res.body)
        .items.some((i) => i.orderId === id);
    });
    // Packing starts the delivery with one of the store's couriers (F5), asynchronously.
    await startedDelivery(f, id);
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
    const id = await placeOrder(f, aliceId);
    expect((await f.request('POST', `/orders/${id}/cancel`, { token: alice })).status).to.equal(202);
    await waitFor(async () => {
      const res = await f.request('GET', '/ordermanagements?status=Cancelled', { token: staff });
      return pageOf(StoreBoardItem)
        .parse(res.body)
        .items.some((i) => i.orderId === id);
    });
    expectProblem(
      await f.request('POST', `/ordermanagements/${id}/pack`, { token: staff }),
      409,
      'invalid-transition',
    );
    expectProblem(
      await f.request('POST', `/ordermanagements/${id}/accept`, { token: staff }),
      409,
      'invalid-transition',
    );
  });

  it('the assigned courier completes the delivery; the order becomes Delivered; admin may complete too', async () => {
    const id = await orderInDelivery(f, aliceId);
    const courier = await f.tokenFor((await startedDelivery(f, id)).courierId, 'courier');
    const res = await f.request('POST', `/deliveries/${id}/complete`, { token: courier });
    expect(res.status).to.equal(202);
    expect(res.body).to.deep.equal({ orderId: id, status: 'Delivered' });
    expect((await f.request('GET', `/deliveries/${id}`, { token: alice })).body).to.include({
      status: 'Delivered',
    });
    // The order actor follows the delivery (eventually); the customer gets a message.
    await waitForOrderStatus(f, id, aliceId, 'Delivered');
    await waitFor(async () => {
      const page = pageOf(Message).parse((await f.request('GET', '/messages', { token: alice })).body);
      return page.items.some((m) => m.orderId === id && m.kind === 'DeliveryCompleted');
    });
    const other = await orderInDelivery(f, aliceId);
    expect((await f.request('POST', `/deliveries/${other}/complete`, { token: admin })).status).to.equal(202);
    expectProblem(
      await f.request('POST', '/deliveries/ord_nope/complete', { token: admin }),
      404,
      'not-found',
    );
  });

  it('completing a cancelled delivery is 409 invalid-transition', async () => {
    const id = await orderInDelivery(f, aliceId);
    expect((await f.request('POST', `/orders/${id}/cancel`, { token: alice })).status).to.equal(202);
    await waitFor(
      async () =>
        Delivery.parse((await f.request('GET', `/deliveries/${id}`, { token: staff })).body).status ===
        'Cancelled',
      { what: 'delivery Cancelled' },
    );
    expectProblem(
      await f.request('POST', `/deliveries/${id}/complete`, { token: admin }),
      409,
      'invalid-transition',
    );
  });

  it("a courier's complete racing the customer's cancel: exactly one wins, never delivered and refunded", async () => {
    for (let round = 0; round < 6; round++) {
      const id = await orderInDelivery(f, aliceId);
      const courier = await f.tokenFor((await startedDelivery(f, id)).courierId, 'courier');
      const [completed, cancelled] = await Promise.all([
        f.request('POST', `/deliveries/${id}/complete`, { token: courier }),
        f.request('POST', `/orders/${id}/cancel`, { token: alice }),
      ]);
      const delivery = async () =>
        Delivery.parse((await f.request('GET', `/deliveries/${id}`, { token: staff })).body).status;
      if (cancelled.status === 202) {
        expectProblem(completed, 409, 'invalid-transition');
        expect(cancelled.body).to.deep.equal({ orderId: id, status: 'Cancelled' });
        expect(await delivery()).to.equal('Cancelled');
        await waitForOrderStatus(f, id, aliceId, 'Cancelled');
        await waitFor(async () => (await pspBooks(f, id)).refund?.requests === 1, { what: 'the refund' });
      } else {
        expect(completed.status).to.equal(202);
        expect(expectProblem(cancelled, 409, 'not-cancellable')).to.include({ status: 409 });
        expect(await delivery()).to.equal('Delivered');
        // The order is Delivered when it answers: nothing after it can cancel or refund it.
        expect(await orderStatus(f, id, aliceId)).to.equal('Delivered');
        expect((await pspBooks(f, id)).refund).to.equal(undefined);
      }
    }
  });

  it('payments: the owner and admin see Approved, then Refunded after a cancel', async () => {
    const id = await placeOrder(f, aliceId);
    for (const token of [alice, admin]) {
      const p = Payment.strict().parse((await f.request('GET', `/payments/${id}`, { token })).body);
      expect(p).to.deep.equal({ orderId: id, status: 'Approved', amount: 2 * 49_900, currency: 'EUR' });
    }
    await f.request('POST', `/orders/${id}/cancel`, { token: alice });
    await waitFor(
      async () =>
        Payment.parse((await f.request('GET', `/payments/${id}`, { token: alice })).body).status ===
        'Refunded',
      { what: 'payment Refunded' },
    );
    expect((await pspBooks(f, id)).refund).to.include({ amount: 2 * 49_900, requests: 1 });
    expectProblem(await f.request('GET', '/payments/ord_nope', { token: admin }), 404, 'not-found');
  });

  it('my page: newest first, paginated with a cursor, every status change shows', async () => {
    const ids = [await placeOrder(f, aliceId), await placeOrder(f, aliceId), await placeOrder(f, aliceId)];
    // My page is projected asynchronously: paginate once all three orders are on it (with only two
    // projected so far, a first page of two rightly has no next cursor).
    await waitFor(
      async () =>
        pageOf(MyPageItem).parse((await f.request('GET', '/myPages', { token: alice })).body).items.length ===
        3,
      { what: 'all three orders on my page' },
    );
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

    expect((await storeStep(f, ids[0]!, 'accept')).status).to.equal(202);
    const item = await waitFor(async () => {
      const res = await f.request('GET', `/myPages/${ids[0]}`, { token: alice });
      const parsed = MyPageItem.strict().parse(res.body);
      return parsed.orderStatus === 'Accepted' ? parsed : null;
    });
    expect(item).to.include({ orderId: ids[0], paymentStatus: 'Approved', amount: 2 * 49_900 });
    expect(item.history.map((h) => h.status)).to.include.members(['Ordered', 'Accepted']);
    expectProblem(await f.request('GET', '/myPages/ord_nope', { token: alice }), 404, 'not-found');
  });

  it('my page shows every order, payment and delivery status over the whole lifecycle (F11, N4)', async () => {
    const pageOf_ = async (id: string) =>
      MyPageItem.strict().parse((await f.request('GET', `/myPages/${id}`, { token: alice })).body);
    const delivered = await orderInDelivery(f, aliceId);
    const courier = await f.tokenFor((await startedDelivery(f, delivered)).courierId, 'courier');
    expect(
      (await f.request('POST', `/deliveries/${delivered}/complete`, { token: courier })).status,
    ).to.equal(202);
    const done = await waitFor(
      async () => {
        const p = await pageOf_(delivered);
        return p.orderStatus === 'Delivered' && p.deliveryStatus === 'Delivered' ? p : null;
      },
      { what: 'my page Delivered' },
    );
    expect(done.paymentStatus).to.equal('Approved');
    expect(done.history.map((h) => h.status)).to.include.members([
      'Ordered',
      'Accepted',
      'Packed',
      'DeliveryStarted',
      'Delivered',
    ]);
    const cancelled = await orderInDelivery(f, aliceId);
    expect((await f.request('POST', `/orders/${cancelled}/cancel`, { token: alice })).status).to.equal(202);
    const gone = await waitFor(
      async () => {
        const p = await pageOf_(cancelled);
        return p.orderStatus === 'Cancelled' &&
          p.paymentStatus === 'Refunded' &&
          p.deliveryStatus === 'Cancelled'
          ? p
          : null;
      },
      { what: 'my page Cancelled, Refunded, delivery Cancelled' },
    );
    expect(gone.history.map((h) => h.status)).to.include('Cancelled');
  });

  it('messages: the customer gets OrderPlaced, DeliveryStarted, DeliveryCancelled and OrderCancelled', async () => {
    const id = await orderInDelivery(f, aliceId);
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
    const id = await placeOrder(f, aliceId);
    const mailboxes = await f.request('GET', '/admin/mailboxes', { token: admin });
    expect(mailboxes.status).to.equal(200);
    const items = (mailboxes.body as { items: { type: string; shard: number; owner: string | null }[] })
      .items;
    // Every actor type and subscriber, every shard, each owned by this (all-roles) process.
    expect(items.map((i) => i.type)).to.include.members([
      'order',
      'payment',
      'store',
      'delivery',
      'projector',
      'notifier',
    ]);
    expect(items.filter((i) => i.type === 'order')).to.have.length(f.config.shards);
    expect(
      items.every((i) => i.owner === f.store.runtime.processId),
      JSON.stringify(items),
    ).to.equal(true);
    const actor = await f.request('GET', `/admin/actors/order/${id}`, { token: admin });
    expect(actor.body).to.include({ type: 'order', key: id });
    expect(actor.body).to.have.nested.property('state.status', 'Ordered');
    expect((actor.body as { version: number }).version).to.be.greaterThan(0);
    expectProblem(await f.request('GET', '/admin/actors/order/ord_nope', { token: admin }), 404, 'not-found');
    expectProblem(await f.request('GET', `/admin/actors/wizard/${id}`, { token: admin }), 400, 'validation');

    // A real dead letter: a command the order actor cannot decode is refused without retries.
    const poison = `ord_poison_${aliceId}`;
    await f.store.runtime.tell({ type: 'order', key: poison }, { type: 'NoSuchCommand', data: {} });
    const letterOf = async (): Promise<
      { id: string; type: string; key: string; messageType: string } | undefined
    > => {
      const dead = await f.request('GET', '/admin/dead-letters?limit=10', { token: admin });
      const list = (dead.body as { items: { id: string; type: string; key: string; messageType: string }[] })
        .items;
      return list.find((d) => d.key === poison);
    };
    const letter = await waitFor(letterOf, { what: 'the dead letter' });
    expect(letter).to.include({ type: 'order', key: poison, messageType: 'NoSuchCommand' });
    const path = `/admin/dead-letters/${encodeURIComponent(letter.id)}/replay`;
    const replay = await f.request('POST', path, { token: admin });
    expect(replay.status, replay.text).to.equal(202);
    expect(replay.body).to.deep.equal({ id: letter.id, replayed: true });
    expectProblem(await f.request('POST', path, { token: admin }), 404, 'not-found');
    // The replayed message went back to the mailbox and, still poison, is dead-lettered again.
    await waitFor(
      async () => {
        const again = await letterOf();
        return again !== undefined && again.id !== letter.id;
      },
      { what: 'the replayed poison dead-lettered again' },
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

describe('API: fault isolation, the store role stopped and started again (N2)', () => {
  let front: ApiFixture;
  let store: ApiFixture | null = null;
  before(async () => {
    // Every role but the store's: the store's mailboxes fill and nobody reads them.
    front = await startApiFixture({
      roles: ['edge', 'order', 'payment', 'delivery', 'projector', 'notifier'],
    });
  });
  after(async () => {
    await store?.close();
    await front.close();
  });

  it('takes and charges orders while the store is down; the store catches up when it returns', async () => {
    const aliceId = uniqueUser('alice');
    const ids = [await placeOrder(front, aliceId), await placeOrder(front, aliceId)];
    for (const id of ids) expect((await pspBooks(front, id)).charge).to.include({ status: 'approved' });
    const staff = await front.tokenFor('staff-1', 'staff');
    const admin = await front.tokenFor('admin-1', 'admin');
    // Nobody runs the store: the orders wait in its mailboxes, which no process owns.
    await waitFor(
      async () => {
        const res = await front.request('GET', '/admin/mailboxes', { token: admin });
        const mailboxes = Mailbox.array()
          .parse((res.body as { items: unknown }).items)
          .filter((m) => m.type === 'store');
        return (
          mailboxes.length > 0 &&
          mailboxes.every((m) => m.owner === null) &&
          mailboxes.reduce((n, m) => n + m.lag, 0) >= ids.length
        );
      },
      { what: 'both orders waiting in the store mailboxes, owned by nobody' },
    );
    // So its board cannot list them yet.
    const board = await front.request('GET', '/ordermanagements', { token: staff });
    const listed = pageOf(StoreBoardItem)
      .parse(board.body)
      .items.filter((i) => ids.includes(i.orderId));
    expect(listed).to.deep.equal([]);
    // The store role comes back as a process of its own on the same Redis and works off its mailbox.
    store = await startApiFixture({ roles: ['store'], join: front });
    await waitFor(
      async () => {
        const res = await front.request('GET', '/ordermanagements?status=Received', { token: staff });
        const listed = pageOf(StoreBoardItem)
          .parse(res.body)
          .items.map((i) => i.orderId);
        return ids.every((id) => listed.includes(id));
      },
      { what: 'the store board to show both orders' },
    );
    expect((await storeStep(front, ids[0]!, 'accept')).status).to.equal(202);
    expect((await storeStep(front, ids[0]!, 'pack')).status).to.equal(202);
    expect((await startedDelivery(front, ids[0]!)).status).to.equal('Started');
  });
});
