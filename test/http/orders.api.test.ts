import { expect } from 'chai';
import { bodyHash, claimIdempotencyKey, idempotencyRecordKey, orderIdFor } from '../../http/idempotency.js';
import { PlacedOrder, Order } from '../../http/schemas.js';
import { waitFor } from '../support/processes.js';
import { startApiFixture, type ApiFixture } from './support/fixture.js';
import {
  expectProblem,
  orderBody,
  orderInDelivery,
  placeOrder,
  pspBooks,
  startedDelivery,
  uniqueUser,
  waitForOrderStatus,
} from './support/helpers.js';

describe('API: orders (real store on Redis)', () => {
  let f: ApiFixture;
  let aliceId: string;
  let alice: string;
  before(async () => {
    f = await startApiFixture();
  });
  after(() => f.close());
  beforeEach(async () => {
    aliceId = uniqueUser('alice');
    alice = await f.tokenFor(aliceId, 'customer');
  });

  describe('POST /orders', () => {
    it('places a paid order: 201, Location, amount = price × quantity from the catalogue, charged once', async () => {
      const res = await f.request('POST', '/orders', {
        token: alice,
        body: orderBody({ productId: 'fr-200', quantity: 3 }),
      });
      expect(res.status, res.text).to.equal(201);
      const body = PlacedOrder.strict().parse(res.body);
      expect(body).to.deep.include({
        status: 'Ordered',
        customerId: aliceId,
        productId: 'fr-200',
        quantity: 3,
      });
      expect(body.amount).to.equal(3 * 79_900);
      expect(body.currency).to.equal('EUR');
      expect(res.headers.get('location')).to.equal(`/orders/${body.orderId}`);
      // The payment was taken before the answer (synchronously), with the catalogue's amount.
      const { charge } = await pspBooks(f, body.orderId);
      expect(charge).to.include({ status: 'approved', amount: 3 * 79_900, token: 'tok_visa', requests: 1 });
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
      expect((await pspBooks(f, orderId)).charge).to.include({ status: 'declined' });
      const payment = await f.request('GET', `/payments/${orderId}`, { token: alice });
      expect(payment.body).to.include({ status: 'Declined' });
    });

    it('503 payment-unavailable with Retry-After when the provider is down; nothing charged, no order', async () => {
      const key = 'k-down';
      const before = Object.keys((await f.psp.stats()).charges).length;
      await f.psp.setMode('down');
      try {
        const t0 = Date.now();
        const res = await f.request('POST', '/orders', {
          token: alice,
          body: orderBody(),
          headers: { 'idempotency-key': key },
        });
        expectProblem(res, 503, 'payment-unavailable');
        expect(Number(res.headers.get('retry-after'))).to.be.greaterThan(0);
        expect(Date.now() - t0).to.be.below(5000);
      } finally {
        await f.psp.setMode('up');
      }
      expect(Object.keys((await f.psp.stats()).charges)).to.have.length(before);
      // The order the key addresses was never established.
      const orderId = orderIdFor(aliceId, key);
      expectProblem(await f.request('GET', `/orders/${orderId}`, { token: alice }), 404, 'not-found');
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
      it(`400 validation for ${what}; nothing reaches the provider`, async () => {
        const charges = await f.psp.chargeRequests();
        const res = await f.request('POST', '/orders', { token: alice, body });
        const problem = expectProblem(res, 400, 'validation');
        expect(problem.detail).to.include(mentions);
        expect(await f.psp.chargeRequests()).to.equal(charges);
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
    it('same key and body: the same status and body again, charged once; the key lives 24 h in Redis', async () => {
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
      expect((await pspBooks(f, orderId)).charge).to.include({ requests: 1 });
      const stored = await f.redis.get(idempotencyRecordKey(f.keyPrefix, aliceId, 'k-1'));
      expect(JSON.parse(stored!)).to.have.property('orderId', orderId);
      expect(await f.redis.ttl(idempotencyRecordKey(f.keyPrefix, aliceId, 'k-1'))).to.be.within(
        86_000,
        86_400,
      );
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
      expect((await pspBooks(f, a.orderId as string)).charge).to.include({ requests: 1 });
    });

    it('same key, different body: 422 idempotency-key-reused, nothing sent', async () => {
      const headers = { 'idempotency-key': 'k-2' };
      expect(
        (await f.request('POST', '/orders', { token: alice, body: orderBody(), headers })).status,
      ).to.equal(201);
      const charges = await f.psp.chargeRequests();
      const res = await f.request('POST', '/orders', {
        token: alice,
        body: orderBody({ quantity: 3 }),
        headers,
      });
      expectProblem(res, 422, 'idempotency-key-reused');
      expect(await f.psp.chargeRequests()).to.equal(charges);
    });

    it('after the 24 h record expired: another body still gets 422 (the order keeps the hash), the first body its order', async () => {
      const headers = { 'idempotency-key': 'k-expired' };
      const record = idempotencyRecordKey(f.keyPrefix, aliceId, 'k-expired');
      const first = await f.request('POST', '/orders', { token: alice, body: orderBody(), headers });
      expect(first.status).to.equal(201);
      const { orderId } = first.body as { orderId: string };
      const charges = await f.psp.chargeRequests();
      expect(await f.redis.del(record)).to.equal(1); // what its expiry does a day later

      const other = await f.request('POST', '/orders', {
        token: alice,
        body: orderBody({ quantity: 3 }),
        headers,
      });
      expectProblem(other, 422, 'idempotency-key-reused');
      // The wrong claim is dropped, so the same wrong body is refused again rather than replayed.
      expect(await f.redis.exists(record)).to.equal(0);
      expectProblem(
        await f.request('POST', '/orders', { token: alice, body: orderBody({ quantity: 3 }), headers }),
        422,
        'idempotency-key-reused',
      );

      const again = await f.request('POST', '/orders', { token: alice, body: orderBody(), headers });
      expect(again.status).to.equal(201);
      expect(again.body).to.deep.equal(first.body);
      expect(await f.psp.chargeRequests()).to.equal(charges);
      expect((await pspBooks(f, orderId)).charge).to.include({ requests: 1 });
    });

    it('keys are per customer: the same key from two customers makes two orders', async () => {
      const headers = { 'idempotency-key': 'shared' };
      const bob = await f.tokenFor(uniqueUser('bob'), 'customer');
      const a = await f.request('POST', '/orders', { token: alice, body: orderBody(), headers });
      const b = await f.request('POST', '/orders', { token: bob, body: orderBody(), headers });
      expect(a.status).to.equal(201);
      expect(b.status).to.equal(201);
      expect((a.body as { orderId: string }).orderId).to.not.equal((b.body as { orderId: string }).orderId);
    });

    it('a wrong-body claim whose answer was lost (a 503): its retry is 422 too, not the old order', async () => {
      const headers = { 'idempotency-key': 'k-lost' };
      const first = await f.request('POST', '/orders', { token: alice, body: orderBody(), headers });
      expect(first.status).to.equal(201);
      // The record expired, then a request with another body claimed the key and got no answer.
      const other = orderBody({ quantity: 3 });
      await f.redis.del(idempotencyRecordKey(f.keyPrefix, aliceId, 'k-lost'));
      await claimIdempotencyKey(f.redis, f.keyPrefix, aliceId, 'k-lost', bodyHash(other));
      const retry = await f.request('POST', '/orders', { token: alice, body: other, headers });
      expectProblem(retry, 422, 'idempotency-key-reused');
      const again = await f.request('POST', '/orders', { token: alice, body: orderBody(), headers });
      expect(again.status).to.equal(201);
      expect(again.body).to.deep.equal(first.body);
    });

    it('no two (customer, key) pairs share a record, whatever they contain (":" in both)', async () => {
      const attacker = uniqueUser('w1');
      const [a, b] = [`${attacker}:y`, attacker];
      const first = await f.request('POST', '/orders', {
        token: await f.tokenFor(a, 'customer'),
        body: orderBody(),
        headers: { 'idempotency-key': 'z' },
      });
      const second = await f.request('POST', '/orders', {
        token: await f.tokenFor(b, 'customer'),
        body: orderBody(),
        headers: { 'idempotency-key': 'y:z' },
      });
      expect(first.status).to.equal(201);
      expect(second.status).to.equal(201);
      expect(second.body).to.include({ customerId: b });
      expect((second.body as { orderId: string }).orderId).to.not.equal(
        (first.body as { orderId: string }).orderId,
      );
    });

    it('a retry after payment-unavailable goes to the same order and is charged once', async () => {
      const headers = { 'idempotency-key': 'k-3' };
      const orderId = orderIdFor(aliceId, 'k-3');
      await f.psp.setMode('down');
      try {
        expectProblem(
          await f.request('POST', '/orders', { token: alice, body: orderBody(), headers }),
          503,
          'payment-unavailable',
        );
      } finally {
        await f.psp.setMode('up');
      }
      const res = await f.request('POST', '/orders', { token: alice, body: orderBody(), headers });
      expect(res.status, res.text).to.equal(201);
      expect((res.body as { orderId: string }).orderId).to.equal(orderId);
      expect((await pspBooks(f, orderId)).charge).to.include({ status: 'approved', requests: 1 });
    });

    it('without a key every request is a new order', async () => {
      const a = await placeOrder(f, aliceId);
      const b = await placeOrder(f, aliceId);
      expect(a).to.not.equal(b);
      expect(a).to.match(/^ord_/);
    });
  });

  describe('GET /orders/{id} and cancel', () => {
    it('the owner, staff and admin read the order; another customer gets 404', async () => {
      const id = await placeOrder(f, aliceId);
      for (const [sub, role] of [
        [aliceId, 'customer'],
        ['s', 'staff'],
        ['a', 'admin'],
      ] as const) {
        const res = await f.request('GET', `/orders/${id}`, { token: await f.tokenFor(sub, role) });
        expect(res.status).to.equal(200);
        expect(Order.parse(res.body)).to.include({ orderId: id, status: 'Ordered', customerId: aliceId });
      }
      expectProblem(
        await f.request('GET', `/orders/${id}`, { token: await f.tokenFor(uniqueUser('bob'), 'customer') }),
        404,
        'not-found',
      );
      expectProblem(await f.request('GET', '/orders/ord_missing', { token: alice }), 404, 'not-found');
    });

    it('cancel: 202, again 202 with the same outcome, refunded once', async () => {
      const id = await placeOrder(f, aliceId);
      const first = await f.request('POST', `/orders/${id}/cancel`, { token: alice });
      expect(first.status).to.equal(202);
      expect(first.body).to.deep.equal({ orderId: id, status: 'Cancelled' });
      const again = await f.request('POST', `/orders/${id}/cancel`, { token: alice });
      expect(again.status).to.equal(202);
      expect(again.body).to.deep.equal(first.body);
      const order = await f.request('GET', `/orders/${id}`, { token: alice });
      expect(Order.parse(order.body).status).to.equal('Cancelled');
      await waitFor(
        async () => (await f.request('GET', `/payments/${id}`, { token: alice })).text.includes('"Refunded"'),
        {
          what: 'payment Refunded',
        },
      );
      const { refund } = await pspBooks(f, id);
      expect(refund).to.include({ amount: 2 * 49_900, requests: 1 });
      expect(Object.keys((await f.psp.stats()).refunds).filter((k) => k.includes(id))).to.have.length(1);
    });

    it('cancel: a Delivered or Rejected order is 409 not-cancellable', async () => {
      const delivered = await orderInDelivery(f, aliceId);
      const courier = await f.tokenFor((await startedDelivery(f, delivered)).courierId, 'courier');
      expect(
        (await f.request('POST', `/deliveries/${delivered}/complete`, { token: courier })).status,
      ).to.equal(202);
      await waitForOrderStatus(f, delivered, aliceId, 'Delivered');
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
      const id = await placeOrder(f, aliceId);
      const bob = await f.tokenFor(uniqueUser('bob'), 'customer');
      expectProblem(await f.request('POST', `/orders/${id}/cancel`, { token: bob }), 404, 'not-found');
      expectProblem(await f.request('POST', '/orders/ord_nope/cancel', { token: bob }), 404, 'not-found');
      expect(Order.parse((await f.request('GET', `/orders/${id}`, { token: alice })).body).status).to.equal(
        'Ordered',
      );
      expect((await pspBooks(f, id)).refund).to.equal(undefined);
    });

    it('cancel takes no body fields', async () => {
      const id = await placeOrder(f, aliceId);
      const res = await f.request('POST', `/orders/${id}/cancel`, { token: alice, body: { reason: 'x' } });
      expectProblem(res, 400, 'validation');
    });
  });
});

describe('API: orders while the order actors do not answer (no order role running)', () => {
  let f: ApiFixture;
  let alice: string;
  before(async () => {
    // A real edge whose order mailboxes nobody reads: requests time out, the backlog grows.
    f = await startApiFixture({
      roles: ['edge', 'payment', 'store', 'delivery', 'projector', 'notifier'],
      env: { REQUEST_TIMEOUT_MS: '300', OVERLOAD_LAG: '2' },
    });
    alice = await f.tokenFor(uniqueUser('alice'), 'customer');
  });
  after(() => f.close());

  it('503 overloaded with Retry-After when the order actor does not answer at all (not payment-unavailable: the outcome is unknown)', async () => {
    const t0 = Date.now();
    const res = await f.request('POST', '/orders', { token: alice, body: orderBody() });
    expectProblem(res, 503, 'overloaded');
    expect((res.body as { detail: string }).detail).to.match(/may still be placed.*same Idempotency-Key/);
    expect(Number(res.headers.get('retry-after'))).to.be.greaterThan(0);
    expect(Date.now() - t0).to.be.below(3000);
  });

  it('503 overloaded with Retry-After once the order mailboxes are too far behind; nothing charged', async () => {
    // Each timed-out request leaves its command in the unread mailbox: the lag grows until shed.
    const shed = await waitFor(
      async () => {
        const res = await f.request('POST', '/orders', { token: alice, body: orderBody() });
        // Shed at once (not a timed-out request, which is 503 overloaded too, after the timeout).
        const body = res.body as { code?: string; detail?: string };
        return res.status === 503 && body.code === 'overloaded' && /too many orders/.test(body.detail ?? '')
          ? res
          : null;
      },
      { what: '503 overloaded (shed)' },
    );
    expectProblem(shed, 503, 'overloaded');
    expect(Number(shed.headers.get('retry-after'))).to.be.greaterThan(0);
    expect(await f.psp.chargeRequests()).to.equal(0);
    const metrics = await f.request('GET', '/metrics');
    expect(metrics.text).to.match(/appliance_orders_placed_total\{outcome="overloaded"\} [1-9]/);
    expect(metrics.text).to.match(/appliance_orders_placed_total\{outcome="timeout"\} [1-9]/);
  });
});

describe('API: orders while the payment circuit is open (N3)', () => {
  let f: ApiFixture;
  before(async () => {
    f = await startApiFixture();
  });
  after(() => f.close());

  it('503 payment-unavailable at once, without calling the provider, and Retry-After until the probe', async () => {
    const alice = await f.tokenFor(uniqueUser('alice'), 'customer');
    await f.psp.setMode('down');
    // The breaker opens once over half of at least 5 calls in its window failed.
    await waitFor(
      async () => {
        const calls = await f.psp.chargeRequests();
        const res = await f.request('POST', '/orders', { token: alice, body: orderBody() });
        expectProblem(res, 503, 'payment-unavailable');
        return (await f.psp.chargeRequests()) === calls ? true : null;
      },
      { what: 'the circuit to open' },
    );
    const calls = await f.psp.chargeRequests();
    const res = await f.request('POST', '/orders', { token: alice, body: orderBody() });
    expectProblem(res, 503, 'payment-unavailable');
    expect(Number(res.headers.get('retry-after'))).to.be.within(1, 10);
    expect(await f.psp.chargeRequests()).to.equal(calls);
    const metrics = await f.request('GET', '/metrics');
    expect(metrics.text).to.match(/appliance_circuit_state\{name="payment"\} 2/);
  });
});

describe('API: an Idempotency-Key replay while new orders are shed', () => {
  it('gets the order’s real outcome from its committed state (201, same body), not 503', async () => {
    const front = await startApiFixture();
    const alice = await front.tokenFor(uniqueUser('alice'), 'customer');
    const body = orderBody();
    const keyed = (f: ApiFixture, key: string) =>
      f.request('POST', '/orders', { token: alice, body, headers: { 'idempotency-key': key } });
    let placed;
    try {
      placed = await keyed(front, 'k-replay-1');
      expect(placed.status, placed.text).to.equal(201);
    } finally {
      await front.close(); // the order actors stop: from now on the order mailboxes only fill up
    }
    const edge = await startApiFixture({
      roles: ['edge'],
      join: front,
      env: { OVERLOAD_LAG: '1', REQUEST_TIMEOUT_MS: '300' },
    });
    try {
      await waitFor(
        async () => {
          const res = await edge.request('POST', '/orders', { token: alice, body });
          const p = res.body as { code?: string; detail?: string };
          return res.status === 503 && p.code === 'overloaded' && /too many orders/.test(p.detail ?? '');
        },
        { what: 'new orders shed' },
      );
      const replay = await keyed(edge, 'k-replay-1');
      expect(replay.status, replay.text).to.equal(201);
      expect(replay.body).to.deep.equal(placed.body);
      expect(replay.headers.get('location')).to.equal(placed.headers.get('location'));
      // A new key is shed as before, and the same key with another body is still refused.
      expectProblem(await keyed(edge, 'k-replay-2'), 503, 'overloaded');
      const other = await edge.request('POST', '/orders', {
        token: alice,
        body: orderBody({ quantity: 1 }),
        headers: { 'idempotency-key': 'k-replay-1' },
      });
      expectProblem(other, 422, 'idempotency-key-reused');
    } finally {
      await edge.close();
    }
  });
});

describe('API: a charge in doubt (the provider slower than its timeout) is voided when no order was placed', () => {
  let f: ApiFixture;
  before(async () => {
    f = await startApiFixture({ env: { PSP_TIMEOUT_MS: '200', PAYMENT_SETTLE_MS: '400' } });
  });
  after(() => f.close());

  it('503 payment-unavailable; the charge the provider took anyway is found and refunded, no payment shown', async () => {
    const aliceId = uniqueUser('alice');
    const alice = await f.tokenFor(aliceId, 'customer');
    await f.psp.setMode('slow', 1500); // it charges, but answers after the store gave up
    let detail: string;
    try {
      const res = await f.request('POST', '/orders', { token: alice, body: orderBody() });
      detail = String(expectProblem(res, 503, 'payment-unavailable').detail);
    } finally {
      await f.psp.setMode('up');
    }
    const orderId = /ord_[A-Za-z0-9_-]+/.exec(detail)![0];
    const books = await waitFor(
      async () => {
        const b = await pspBooks(f, orderId);
        return b.charge && b.refund ? b : null;
      },
      { what: 'the charge in doubt found and refunded' },
    );
    const stats = await f.psp.stats();
    expect(stats.charges[`charge:${orderId}`]).to.include({ status: 'approved' });
    expect(stats.refunds[`refund:${orderId}`]).to.include({
      chargeId: stats.charges[`charge:${orderId}`]!.chargeId,
    });
    expect(books.refund).to.include({ requests: 1 });
    // No order, no payment, nothing on my page.
    expectProblem(await f.request('GET', `/orders/${orderId}`, { token: alice }), 404, 'not-found');
    expectProblem(await f.request('GET', `/payments/${orderId}`, { token: alice }), 404, 'not-found');
  });
});

describe('API: the answer "no order was placed" after a timeout holds (N1)', () => {
  /** A new customer, the order id their `key` names, and a send of that keyed order. */
  async function keyedCustomer(f: ApiFixture, key: string) {
    const aliceId = uniqueUser('alice');
    const alice = await f.tokenFor(aliceId, 'customer');
    const send = () =>
      f.request('POST', '/orders', { token: alice, body: orderBody(), headers: { 'idempotency-key': key } });
    return { alice, orderId: orderIdFor(aliceId, key), send };
  }

  it('taken up after the edge gave up (the order role down), the placing is dropped: no order, nothing charged; the retry is charged once', async () => {
    const f = await startApiFixture({
      roles: ['edge', 'payment', 'store', 'delivery', 'projector', 'notifier'],
      env: { REQUEST_TIMEOUT_MS: '300' },
    });
    let late: ApiFixture | null = null;
    try {
      const { alice, orderId, send } = await keyedCustomer(f, 'k-late-pickup');
      // The edge cannot tell whether the placing was taken up in time: "may still be placed".
      expectProblem(await send(), 503, 'overloaded');
      // The order role comes back and takes the placing up, after its deadline: it is dropped.
      late = await startApiFixture({ roles: ['order'], join: f });
      await waitFor(
        async () => {
          const rows = (
            await f.request('GET', '/admin/mailboxes', { token: await f.tokenFor('ops', 'admin') })
          ).body as { items: { type: string; lag: number; pending: number }[] };
          return rows.items.filter((r) => r.type === 'order').every((r) => r.lag === 0 && r.pending === 0);
        },
        { what: 'the order mailboxes handled' },
      );
      expect(await f.psp.chargeRequests(), 'nothing charged').to.equal(0);
      expectProblem(await f.request('GET', `/orders/${orderId}`, { token: alice }), 404, 'not-found');
      const retried = await send();
      expect(retried.status, retried.text).to.equal(201);
      expect((await f.psp.stats()).charges[`charge:${orderId}`]).to.include({
        status: 'approved',
        requests: 1,
      });
    } finally {
      await late?.close();
      await f.close();
    }
  });

  it('approved after the edge gave up (a slow provider), the charge is voided and no order placed; the retry is charged and placed', async () => {
    // The provider answers after 1.5 s, within its own timeout (3 s) but after the edge's 1 s.
    const f = await startApiFixture({ env: { REQUEST_TIMEOUT_MS: '1000', PSP_TIMEOUT_MS: '3000' } });
    try {
      const { alice, orderId, send } = await keyedCustomer(f, 'k-late-approval');
      await f.psp.setMode('slow', 1500);
      try {
        expectProblem(await send(), 503, 'payment-unavailable');
      } finally {
        await f.psp.setMode('up');
      }
      const books = await waitFor(
        async () => {
          const b = await pspBooks(f, orderId);
          return b.charge && b.refund ? b : null;
        },
        { what: 'the late charge refunded' },
      );
      expect(books.charge).to.include({ status: 'approved' });
      expect(books.refund).to.include({ requests: 1 });
      expectProblem(await f.request('GET', `/orders/${orderId}`, { token: alice }), 404, 'not-found');
      expectProblem(await f.request('GET', `/payments/${orderId}`, { token: alice }), 404, 'not-found');
      const retried = await send();
      expect(retried.status, retried.text).to.equal(201);
      // A new charge under the order's next key: the voided one stays refunded.
      const stats = await f.psp.stats();
      expect(stats.charges[`charge:${orderId}:2`]).to.include({ status: 'approved' });
      expect(Object.keys(stats.refunds).filter((k) => k.startsWith(`refund:${orderId}`))).to.have.length(1);
      expect((await f.request('GET', `/payments/${orderId}`, { token: alice })).body).to.include({
        status: 'Approved',
      });
    } finally {
      await f.close();
    }
  });
});
