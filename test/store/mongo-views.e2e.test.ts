import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { sharedFerret } from '../support/ferretdb.js';
import { customer, courier, staff, SplitStore, type OrderBody } from './fixture.js';

/** The same store with its read models in MongoDB (FerretDB here): MONGO_URL switches the adapter. */
describe('the store with MONGO_URL: read models in a Mongo-wire server (e2e)', function () {
  this.timeout(120_000);
  let store: SplitStore;
  before(async () => {
    const ferret = await sharedFerret();
    store = await SplitStore.start({ MONGO_URL: `${ferret.url}as_${randomBytes(4).toString('hex')}` });
  });
  after(async () => {
    await store?.stop();
  });

  it('shows every status on my page, the board and the messages', async () => {
    const c = customer('c-mongo');
    const placed = await store.place('c-mongo');
    expect(placed.status).to.equal(201);
    const id = placed.body.orderId;
    await store.until<{ items: { orderId: string }[] }>(
      '/ordermanagements?status=Received',
      staff,
      (b) => b.items.some((i) => i.orderId === id),
      'board (Mongo)',
    );
    expect((await store.client.call('POST', `/ordermanagements/${id}/accept`, staff)).status).to.equal(202);
    expect((await store.client.call('POST', `/ordermanagements/${id}/pack`, staff)).status).to.equal(202);
    await store.until<OrderBody>(
      `/orders/${id}`,
      c,
      (b) => b.status === 'DeliveryStarted',
      'delivery started',
    );
    expect((await store.client.call('POST', `/deliveries/${id}/complete`, courier)).status).to.equal(202);
    const page = await store.until<{
      orderStatus: string;
      deliveryStatus: string;
      history: { status: string }[];
    }>(
      `/myPages/${id}`,
      c,
      (b) => b.orderStatus === 'Delivered' && b.deliveryStatus === 'Delivered',
      'my page (Mongo)',
    );
    expect(page.history.map((h) => h.status)).to.include.members([
      'Ordered',
      'Accepted',
      'Packed',
      'DeliveryStarted',
      'Delivered',
    ]);
    const list = await store.client.call<{ items: { orderId: string }[]; next: string | null }>(
      'GET',
      '/myPages?limit=1',
      c,
    );
    expect(list.body.items.map((i) => i.orderId)).to.deep.equal([id]);
    const msgs = await store.until<{ items: { kind: string }[] }>(
      '/messages',
      c,
      (b) => b.items.length === 3,
      'messages (Mongo)',
    );
    expect(msgs.items.map((m) => m.kind).sort()).to.deep.equal([
      'DeliveryCompleted',
      'DeliveryStarted',
      'OrderPlaced',
    ]);
    expect((await store.client.call('GET', `/myPages/${id}`, customer('c-else'))).status).to.equal(404);
  });
});
