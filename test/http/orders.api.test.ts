import { expect } from 'chai';
import { PlacedOrder, Order } from '../../http/schemas.js';
import { startApiFixture, type ApiFixture } from './support/fixture.js';
import { expectProblem, orderBody, orderInDelivery, placeOrder } from './support/helpers.js';

describe('API: orders', () => {
  let f: ApiFixture;
  let alice: string;
  beforeEach(async () => {
    f = await startApiFixture();
    alice = await f.tokenFor('alice', 'customer');
  });
  afterEach(() => f.close());

  describe('POST /orders', () => {
    it('places a paid order: 201, Location, amount = price × quantity from the catalogue', async () => {
      const res = await f.request('POST', '/orders', {
        token: alice,
        body: orderBody({ productId: 'fr-200', quantity: 3 }),
      });
      expect(res.status, res.text).to.equal(201);
      const body = PlacedOrder.strict().parse(res.body);
      expect(body).to.deep.include({
        status: 'Ordered',
        customerId: 'alice',
        productId: 'fr-200',
        quantity: 3,
      });
      expect(body.amount).to.equal(3 * 79_900);
      expect(body.currency).to.equal('EUR');
      expect(res.headers.get('location')).to.equal(`/orders/${body.orderId}`);
      expect(f.store.placeCalls[0]).to.include({
        amount: 3 * 79_900,
        customerId: 'alice',
        paymentToken: 'tok_visa',
      });
    });

    it('402 payment-declined when the provider declines; the order is Rejected', async () => {
      const res = await f.request('POST', '/orders', {
        token: alice,
        body: orderBody({ paymentToken: 'tok_declined' }),
      });
      const problem = expectProblem(res, 402, 'payment-declined');
      const orderId = problem.orderId as string;
      const got = await f.request('GET', `/orders/${orderId}`, { token: alice });
      expect(Order.parse(got.body).status).to.equal('Rejected');
    });

    it('503 payment-unavailable with Retry-After when the payment system is down; nothing is charged', async () => {
      f.store.paymentDown = true;
      const res = await f.request('POST', '/orders', { token: alice, body: orderBody() });
      expectProblem(res, 503, 'payment-unavailable');
      expect(res.headers.get('retry-after')).to.equal('7');
      expect(f.store.charges.size).to.equal(0);
      expect(f.store.orders.size).to.equal(0);
    });

    it('503 payment-unavailable with Retry-After when the order actor does not reply in time', async () => {
      f.store.replyTimesOut = true;
      const res = await f.request('POST', '/orders', { token: alice, body: orderBody() });
      expectProblem(res, 503, 'payment-unavailable');
      expect(Number(res.headers.get('retry-after'))).to.be.greaterThan(0);
    });

    it('503 overloaded with Retry-After while the order mailboxes are too far behind', async () => {
      f.store.backlog = f.config.overloadLag + 1;
      const res = await f.request('POST', '/orders', { token: alice, body: orderBody() });
      expectProblem(res, 503, 'overloaded');
      expect(Number(res.headers.get('retry-after'))).to.be.greaterThan(0);
      expect(f.store.placeCalls).to.have.length(0);
      const metrics = await f.request('GET', '/metrics');
      expect(metrics.text).to.match(/appliance_orders_placed_total\{outcome="overloaded"\} 1/);
    });

    const invalid: [string, Record<string, unknown>, string][] = [
      ['an unknown field', orderBody({ price: 1 }), 'price'],
      ['an unknown product', orderBody({ productId: 'nope-1' }), 'body.productId'],
      ['quantity 0', orderBody({ quantity: 0 }), 'body.quantity'],
      ['quantity 11', orderBody({ quantity: 11 }), 'body.quantity'],
      ['a fractional quantity', orderBody({ quantity: 1.5 }), 'body.quantity'],
      ['a string quantity', orderBody({ quantity: '2' }), 'body.quantity'],
      ['a missing address', { productId: 'wm-100', quantity: 1, paymentToken: 't' }, 'body.address'],
      ['a numeric paymentToken', orderBody({ paymentToken: 42 }), 'body.paymentToken'],
    ];
    for (const [what, body, mentions] of invalid) {
      it(`400 validation for ${what}`, async () => {
        const res = await f.request('POST', '/orders', { token: alice, body });
        const problem = expectProblem(res, 400, 'validation');
        expect(problem.detail).to.include(mentions);
        expect(f.store.placeCalls).to.have.length(0);
      });
    }

    it('400 validation for a JSON array body and for a non-JSON content type', async () => {
      expectProblem(await f.request('POST', '/orders', { token: alice, body: [1, 2] }), 400, 'validation');
      const res = await f.request('POST', '/orders', {
        token: alice,
        raw: 'productId=wm-100',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expectProblem(res, 400, 'validation');
    });

    it('400 validation for an unsafe Idempotency-Key', async () => {
      const res = await f.request('POST', '/orders', {
        token: alice,
        body: orderBody(),
        headers: { 'idempotency-key': 'a b/c' },
      });
      expectProblem(res, 400, 'validation');
    });
  });

  describe('Idempotency-Key', () => {
    it('same key and body: the same status and body again, charged once', async () => {
      const headers = { 'idempotency-key': 'k-1' };
      const first = await f.request('POST', '/orders', { token: alice, body: orderBody(), headers });
      // Field order does not matter: the body is compared by its content.
      const reordered = {
        address: orderBody().address,
        quantity: 2,
        paymentToken: 'tok_visa',
        productId: 'wm-100',
      };
      const second = await f.request('POST', '/orders', { token: alice, body: reordered, headers });
      expect(first.status).to.equal(201);
      expect(second.status).to.equal(201);
      expect(second.body).to.deep.equal(first.body);
      expect(second.headers.get('location')).to.equal(first.headers.get('location'));
      const { orderId } = first.body as { orderId: string };
      expect(f.store.charges.get(orderId)).to.equal(1);
      expect(f.store.orders.size).to.equal(1);
      const stored = await f.redis.get(`${f.keyPrefix}:idem:alice:k-1`);
      expect(JSON.parse(stored!)).to.have.property('orderId', orderId);
      expect(await f.redis.ttl(`${f.keyPrefix}:idem:alice:k-1`)).to.be.within(86_000, 86_400);
    });

    it('same key after a decline: 402 again, charged once', async () => {
      const headers = { 'idempotency-key': 'k-declined' };
      const body = orderBody({ paymentToken: 'tok_declined' });
      const a = expectProblem(
        await f.request('POST', '/orders', { token: alice, body, headers }),
        402,
        'payment-declined',
      );
      const b = expectProblem(
        await f.request('POST', '/orders', { token: alice, body, headers }),
        402,
        'payment-declined',
      );
      expect(b.orderId).to.equal(a.orderId);
      expect(f.store.charges.get(a.orderId as string)).to.equal(1);
    });

    it('same key, different body: 422 idempotency-key-reused, nothing sent', async () => {
      const headers = { 'idempotency-key': 'k-2' };
      expect(
        (await f.request('POST', '/orders', { token: alice, body: orderBody(), headers })).status,
      ).to.equal(201);
      const res = await f.request('POST', '/orders', {
        token: alice,
        body: orderBody({ quantity: 3 }),
        headers,
      });
      expectProblem(res, 422, 'idempotency-key-reused');
      expect(f.store.placeCalls).to.have.length(1);
    });

    it('keys are per customer: the same key from two customers makes two orders', async () => {
      const headers = { 'idempotency-key': 'shared' };
      const bob = await f.tokenFor('bob', 'customer');
      const a = await f.request('POST', '/orders', { token: alice, body: orderBody(), headers });
      const b = await f.request('POST', '/orders', { token: bob, body: orderBody(), headers });
      expect(a.status).to.equal(201);
      expect(b.status).to.equal(201);
      expect((a.body as { orderId: string }).orderId).to.not.equal((b.body as { orderId: string }).orderId);
    });

    it('a retry after payment-unavailable is sent again with the same order id', async () => {
      const headers = { 'idempotency-key': 'k-3' };
      f.store.paymentDown = true;
      expectProblem(
        await f.request('POST', '/orders', { token: alice, body: orderBody(), headers }),
        503,
        'payment-unavailable',
      );
      f.store.paymentDown = false;
      const res = await f.request('POST', '/orders', { token: alice, body: orderBody(), headers });
      expect(res.status).to.equal(201);
      expect(f.store.placeCalls.map((c) => c.orderId)).to.deep.equal([
        (res.body as { orderId: string }).orderId,
        (res.body as { orderId: string }).orderId,
      ]);
    });

    it('without a key every request is a new order', async () => {
      const a = await placeOrder(f, 'alice');
      const b = await placeOrder(f, 'alice');
      expect(a).to.not.equal(b);
      expect(a).to.match(/^ord_/);
    });
  });

  describe('GET /orders/{id} and cancel', () => {
    it('the owner, staff and admin read the order; another customer gets 404', async () => {
      const id = await placeOrder(f, 'alice');
      for (const [sub, role] of [
        ['alice', 'customer'],
        ['s', 'staff'],
        ['a', 'admin'],
      ] as const) {
        const res = await f.request('GET', `/orders/${id}`, { token: await f.tokenFor(sub, role) });
        expect(res.status).to.equal(200);
        expect(Order.parse(res.body)).to.include({ orderId: id, status: 'Ordered', customerId: 'alice' });
      }
      expectProblem(
        await f.request('GET', `/orders/${id}`, { token: await f.tokenFor('bob', 'customer') }),
        404,
        'not-found',
      );
      expectProblem(await f.request('GET', '/orders/ord_missing', { token: alice }), 404, 'not-found');
    });

    it('cancel: 202, again 202 with the same outcome, refunded once', async () => {
      const id = await placeOrder(f, 'alice');
      const first = await f.request('POST', `/orders/${id}/cancel`, { token: alice });
      expect(first.status).to.equal(202);
      expect(first.body).to.deep.equal({ orderId: id, status: 'Cancelled' });
      const again = await f.request('POST', `/orders/${id}/cancel`, { token: alice });
      expect(again.status).to.equal(202);
      expect(again.body).to.deep.equal(first.body);
      expect(f.store.refunds.get(id)).to.equal(1);
      const order = await f.request('GET', `/orders/${id}`, { token: alice });
      expect(Order.parse(order.body).status).to.equal('Cancelled');
    });

    it('cancel: a Delivered or Rejected order is 409 not-cancellable', async () => {
      const delivered = await orderInDelivery(f, 'alice');
      const courier = await f.tokenFor(f.store.deliveries.get(delivered)!.courierId, 'courier');
      expect(
        (await f.request('POST', `/deliveries/${delivered}/complete`, { token: courier })).status,
      ).to.equal(202);
      expectProblem(
        await f.request('POST', `/orders/${delivered}/cancel`, { token: alice }),
        409,
        'not-cancellable',
      );
      const declined = await f.request('POST', '/orders', {
        token: alice,
        body: orderBody({ paymentToken: 'tok_declined' }),
      });
      const rejectedId = (declined.body as { orderId: string }).orderId;
      expectProblem(
        await f.request('POST', `/orders/${rejectedId}/cancel`, { token: alice }),
        409,
        'not-cancellable',
      );
    });

    it("cancel: another customer's order or an unknown order is 404, and nothing changes", async () => {
      const id = await placeOrder(f, 'alice');
      const bob = await f.tokenFor('bob', 'customer');
      expectProblem(await f.request('POST', `/orders/${id}/cancel`, { token: bob }), 404, 'not-found');
      expectProblem(await f.request('POST', '/orders/ord_nope/cancel', { token: bob }), 404, 'not-found');
      expect(f.store.orders.get(id)!.status).to.equal('Ordered');
    });

    it('cancel takes no body fields', async () => {
      const id = await placeOrder(f, 'alice');
      const res = await f.request('POST', `/orders/${id}/cancel`, { token: alice, body: { reason: 'x' } });
      expectProblem(res, 400, 'validation');
    });
  });
});
