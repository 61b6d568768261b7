import { expect } from 'chai';
import { waitFor } from '../support/processes.js';
import { customer, courier, staff, SplitStore, type OrderBody } from './fixture.js';

interface MyPage {
  orderStatus: string;
  paymentStatus: string | null;
  deliveryStatus: string | null;
  history: { status: string; at: string }[];
}
interface Messages {
  items: { messageId: string; orderId: string; kind: string }[];
}

describe('the store, each role in its own process (e2e)', function () {
  this.timeout(120_000);
  let store: SplitStore;
  before(async () => {
    store = await SplitStore.start();
  });
  after(async () => {
    await store?.stop();
  });

  it('runs the whole lifecycle: order, pay, accept, pack, deliver, with my page and messages', async () => {
    const placed = await store.place('c-life');
    expect(placed.status).to.equal(201);
    expect(placed.body).to.include({
      status: 'Ordered',
      customerId: 'c-life',
      productId: 'wm-100',
      quantity: 1,
      amount: 49900,
      currency: 'EUR',
    });
    expect(placed.headers.get('location')).to.equal(`/orders/${placed.body.orderId}`);
    const id = placed.body.orderId;
    const c = customer('c-life');

    expect((await store.client.call<OrderBody>('GET', `/orders/${id}`, c)).body.status).to.equal('Ordered');
    expect((await store.client.call('GET', `/payments/${id}`, c)).body).to.include({
      status: 'Approved',
      amount: 49900,
    });
    await store.until<{ items: { orderId: string }[] }>(
      '/ordermanagements?status=Received',
      staff,
      (b) => b.items.some((i) => i.orderId === id),
      'store board shows the order',
    );

    expect((await store.client.call('POST', `/ordermanagements/${id}/pack`, staff)).status).to.equal(409); // pack before accept
    expect((await store.client.call('POST', `/ordermanagements/${id}/accept`, staff)).status).to.equal(202);
    expect((await store.client.call('POST', `/ordermanagements/${id}/pack`, staff)).status).to.equal(202);
    const delivery = await store.until<{ status: string; courierId: string }>(
      `/deliveries/${id}`,
      courier,
      (_b, s) => s === 200,
      'delivery starts',
    );
    expect(delivery).to.include({ status: 'Started', courierId: 'courier-1' });
    await store.until<OrderBody>(
      `/orders/${id}`,
      c,
      (b) => b.status === 'DeliveryStarted',
      'order follows the delivery',
    );

    expect(
      (await store.client.call('POST', `/deliveries/${id}/complete`, { sub: 'courier-2', role: 'courier' }))
        .status,
    ).to.equal(404);
    expect((await store.client.call('POST', `/deliveries/${id}/complete`, courier)).status).to.equal(202);
    await store.until<OrderBody>(`/orders/${id}`, c, (b) => b.status === 'Delivered', 'order delivered');
    expect((await store.client.call('POST', `/orders/${id}/cancel`, c)).status).to.equal(409);

    // My page shows every status change of the order, its payment and its delivery.
    const page = await store.until<MyPage>(
      `/myPages/${id}`,
      c,
      (b) => b.orderStatus === 'Delivered' && b.deliveryStatus === 'Delivered',
      'my page',
    );
    expect(page.paymentStatus).to.equal('Approved');
    const statuses = page.history.map((h) => h.status);
    for (const s of ['Ordered', 'PaymentApproved', 'Accepted', 'Packed', 'DeliveryStarted', 'Delivered'])
      expect(statuses).to.include(s);

    const msgs = await store.until<Messages>('/messages', c, (b) => b.items.length === 3, 'three messages');
    expect(msgs.items.map((m) => m.kind).sort()).to.deep.equal([
      'DeliveryCompleted',
      'DeliveryStarted',
      'OrderPlaced',
    ]);
    // The gateway got one messageId per (order, kind), with it as the Idempotency-Key.
    const posts = store.gateway.delivered().filter((p) => (p.body as { orderId?: string }).orderId === id);
    expect(posts).to.have.length(3);
    for (const p of posts) expect(p.idempotencyKey).to.equal((p.body as { messageId: string }).messageId);
    expect(new Set(posts.map((p) => p.idempotencyKey)).size).to.equal(3);
  });

  it('rejects a declined payment: 402, order Rejected, never reaching the store or messages', async () => {
    const r = await store.place('c-decl', { paymentToken: 'tok_declined' });
    expect(r.status).to.equal(402);
    expect(r.body).to.include({ code: 'payment-declined' });
    const declined = (r.body as { orderId?: string }).orderId;
    expect(declined, 'the 402 names the rejected order').to.be.a('string');
    const order = await store.client.call<{ status: string }>(
      'GET',
      `/orders/${declined}`,
      customer('c-decl'),
    );
    expect(order.body.status).to.equal('Rejected');
    // A paid order placed after it reaches the board: the declined one, sent first, would be there
    // by now had it been passed on.
    const placed = await store.place('c-decl');
    const id = placed.body.orderId;
    await store.until<{ items: { orderId: string }[] }>(
      '/ordermanagements',
      staff,
      (b) => b.items.some((i) => i.orderId === id),
      'the paid order reaches the board',
    );
    const board = await store.client.call<{ items: { orderId: string }[] }>(
      'GET',
      '/ordermanagements?limit=100',
      staff,
    );
    expect(board.body.items.map((i) => i.orderId))
      .to.include(id)
      .and.not.include(declined);
    const delivery = await store.client.call('GET', `/deliveries/${declined}`, staff);
    expect(delivery.status, 'no delivery for the rejected order').to.equal(404);
    const msgs = await store.client.call<Messages>('GET', '/messages', customer('c-decl'));
    expect(msgs.body.items.map((m) => m.orderId)).to.not.include(declined);
    expect(msgs.body.items.every((m) => m.orderId === id)).to.equal(true);
  });

  it('runs the cancel saga after the delivery started: refund once, delivery cancelled, messages', async () => {
    const c = customer('c-cancel');
    const placed = await store.place('c-cancel');
    const id = placed.body.orderId;
    await store.until<{ items: { orderId: string }[] }>(
      '/ordermanagements?status=Received',
      staff,
      (b) => b.items.some((i) => i.orderId === id),
      'board',
    );
    await store.client.call('POST', `/ordermanagements/${id}/accept`, staff);
    await store.client.call('POST', `/ordermanagements/${id}/pack`, staff);
    await store.until<OrderBody>(
      `/orders/${id}`,
      c,
      (b) => b.status === 'DeliveryStarted',
      'delivery started',
    );
    const refundsBefore = Object.keys((await store.psp.stats()).refunds).length;

    const first = await store.client.call<OrderBody>('POST', `/orders/${id}/cancel`, c);
    expect(first.status).to.equal(202);
    expect(first.body).to.deep.equal({ orderId: id, status: 'Cancelled' });
    const again = await store.client.call<OrderBody>('POST', `/orders/${id}/cancel`, c);
    expect(again.status).to.equal(202);
    expect(again.body).to.deep.equal({ orderId: id, status: 'Cancelled' });

    await store.until<{ status: string }>(
      `/payments/${id}`,
      c,
      (b) => b.status === 'Refunded',
      'payment refunded',
    );
    await store.until<{ status: string }>(
      `/deliveries/${id}`,
      c,
      (b) => b.status === 'Cancelled',
      'delivery cancelled',
    );
    const msgs = await store.until<Messages>(
      '/messages',
      c,
      (b) =>
        b.items.some((m) => m.kind === 'DeliveryCancelled') &&
        b.items.some((m) => m.kind === 'OrderCancelled'),
      'cancel messages',
    );
    expect(msgs.items.filter((m) => m.kind === 'OrderCancelled')).to.have.length(1);
    const page = await store.until<MyPage>(
      `/myPages/${id}`,
      c,
      (b) =>
        b.orderStatus === 'Cancelled' && b.paymentStatus === 'Refunded' && b.deliveryStatus === 'Cancelled',
      'my page shows the cancellation',
    );
    expect(page.history.map((h) => h.status)).to.include.members(['Cancelled']);
    const refunds = (await store.psp.stats()).refunds;
    expect(Object.keys(refunds).length - refundsBefore).to.equal(1);
    expect(Object.keys(refunds)).to.include(`refund:${id}`);
  });

  it('a message the gateway refuses (422) goes to the dead letters, the next ones are sent, and a replay sends it', async () => {
    const admin = { sub: 'admin-1', role: 'admin' };
    const postedFor = (orderId: string) =>
      store.gateway.delivered().some((p) => (p.body as { orderId?: string }).orderId === orderId);
    store.gateway.setDown(true, 422);
    let dead: { id: string; key: string; messageType: string } | undefined;
    let refused: string;
    try {
      refused = (await store.place('c-refused')).body.orderId;
      const letters = await store.until<{ items: { id: string; key: string; messageType: string }[] }>(
        '/admin/dead-letters?limit=100',
        admin,
        (b) => b.items.some((d) => d.key === refused),
        'the refused message in the dead letters',
      );
      dead = letters.items.find((d) => d.key === refused);
    } finally {
      store.gateway.setDown(false);
    }
    expect(dead).to.include({ key: refused, messageType: 'OrderPlaced' });
    expect(postedFor(refused)).to.equal(false);

    const next = (await store.place('c-after-refused')).body.orderId;
    await waitFor(() => postedFor(next), { timeoutMs: 20_000, what: 'the next message sent' });
    const replay = await store.client.call(
      'POST',
      `/admin/dead-letters/${encodeURIComponent(dead!.id)}/replay`,
      admin,
    );
    expect(replay.status).to.equal(202);
    await waitFor(() => postedFor(refused), { timeoutMs: 20_000, what: 'the replayed message sent' });
  });

  it('a customer sees only their own orders (404 for another customer)', async () => {
    const placed = await store.place('c-owner');
    const id = placed.body.orderId;
    const other = customer('c-other');
    for (const path of [`/orders/${id}`, `/payments/${id}`, `/myPages/${id}`, `/deliveries/${id}`]) {
      expect((await store.client.call('GET', path, other)).status, path).to.equal(404);
    }
    expect((await store.client.call('POST', `/orders/${id}/cancel`, other)).status).to.equal(404);
  });
});
