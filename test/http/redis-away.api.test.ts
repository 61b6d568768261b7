/**
 * The edge while its Redis is away (killed) or frozen (SIGSTOP): the routes that use the store's
 * data answer 503 `overloaded` with Retry-After within seconds (before, a request waited in the
 * client's offline queue for two to four minutes); public routes and the metrics scrape still
 * answer; an order turned away while Redis was down was not charged, and is taken once Redis is back.
 * With the read models in Mongo, my page, messages and the store board are still read meanwhile.
 */
import { expect } from 'chai';
import { startFerret, type FerretServer } from '../support/ferretdb.js';
import { RedisServer } from '../support/redis-server.js';
import { waitFor } from '../support/processes.js';
import { startApiFixture, type ApiFixture, type ApiResponse } from './support/fixture.js';
import { expectProblem, orderBody, placeOrder, uniqueUser } from './support/helpers.js';

/** The read deadline (5 s) plus the rate limit's (0.5 s) plus slack for a loaded machine. */
const ANSWERED_WITHIN_MS = 9000;

describe('API: requests while Redis is away or frozen', function () {
  this.timeout(120_000);
  let redis: RedisServer;
  let f: ApiFixture;
  let aliceId: string;
  let alice: string;
  let orderId: string;

  before(async () => {
    redis = await RedisServer.start({ appendonly: true });
    f = await startApiFixture({ redisUrl: redis.url });
    aliceId = uniqueUser('alice');
    alice = await f.tokenFor(aliceId, 'customer');
    orderId = await placeOrder(f, aliceId);
  });
  after(async () => {
    await f.close();
    await redis.stop();
  });

  it('killed: store routes answer 503 overloaded with Retry-After within seconds; /products still 200; a refused order is not charged', async () => {
    await redis.kill();
    try {
      const reads = [
        `/orders/${orderId}`,
        `/myPages/${orderId}`,
        '/myPages',
        '/messages',
        `/payments/${orderId}`,
      ];
      for (const path of reads) {
        const { res, ms } = await timed(() => f.request('GET', path, { token: alice }));
        expectProblem(res, 503, 'overloaded');
        expect(Number(res.headers.get('retry-after')), path).to.be.at.least(1);
        expect(ms, `${path} answered within its deadline`).to.be.below(ANSWERED_WITHIN_MS);
      }
      // Redis has been away past the grace: turned away before anything is sent.
      const key = `away-${aliceId}`;
      const { res: placed, ms } = await timed(() =>
        f.request('POST', '/orders', {
          token: alice,
          body: orderBody(),
          headers: { 'Idempotency-Key': key },
        }),
      );
      const problem = expectProblem(placed, 503, 'overloaded');
      expect(problem.detail).to.match(/nothing was done/);
      expect(ms).to.be.below(ANSWERED_WITHIN_MS);
      expectProblem(
        await f.request('POST', `/orders/${orderId}/cancel`, { token: alice }),
        503,
        'overloaded',
      );
      const products = await f.request('GET', '/products');
      expect(products.status, 'the catalogue needs no Redis').to.equal(200);
      // A scrape is answered, and says so: the alert on appliance_redis_up can fire.
      const { res: scrape, ms: scrapeMs } = await timed(() => f.request('GET', '/metrics'));
      expect(scrape.status).to.equal(200);
      expect(scrape.text).to.match(/^appliance_redis_up 0$/m);
      expect(scrapeMs, 'the scrape answered within its deadline').to.be.below(ANSWERED_WITHIN_MS);

      await redis.launch();
      await waitFor(
        async () => (await f.request('GET', `/orders/${orderId}`, { token: alice })).status === 200,
        {
          what: 'reads answer again once Redis is back',
          timeoutMs: 30_000,
        },
      );
      const charged = await f.psp.chargeRequests();
      const again = await f.request('POST', '/orders', {
        token: alice,
        body: orderBody(),
        headers: { 'Idempotency-Key': key },
      });
      expect(again.status, 'the same key places the order now').to.equal(201);
      expect(await f.psp.chargeRequests(), 'charged once, by the retry only').to.equal(charged + 1);
      const order = await f.request('GET', `/orders/${orderId}`, { token: alice });
      expect((order.body as { status: string }).status, 'the refused cancel did nothing').to.equal('Ordered');
    } finally {
      if (redis.pid === undefined) await redis.launch();
    }
  });

  it('frozen (SIGSTOP): a read answers 503 overloaded within its deadline, and reads recover after SIGCONT', async () => {
    const pid = redis.pid!;
    process.kill(pid, 'SIGSTOP');
    try {
      const { res, ms } = await timed(() => f.request('GET', `/orders/${orderId}`, { token: alice }));
      expectProblem(res, 503, 'overloaded');
      expect(Number(res.headers.get('retry-after'))).to.be.at.least(1);
      expect(ms).to.be.below(ANSWERED_WITHIN_MS);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    await waitFor(
      async () => (await f.request('GET', `/orders/${orderId}`, { token: alice })).status === 200,
      {
        what: 'reads answer again after SIGCONT',
        timeoutMs: 30_000,
      },
    );
  });
});

describe('API: the read models in Mongo while Redis is away (real FerretDB)', function () {
  this.timeout(150_000);
  let redis: RedisServer;
  let ferret: FerretServer;
  let f: ApiFixture;
  let alice: string;
  let orderId: string;

  before(async () => {
    redis = await RedisServer.start({ appendonly: true });
    ferret = await startFerret();
    f = await startApiFixture({ redisUrl: redis.url, env: { MONGO_URL: `${ferret.url}redisaway` } });
    const aliceId = uniqueUser('alice');
    alice = await f.tokenFor(aliceId, 'customer');
    orderId = await placeOrder(f, aliceId);
    await waitFor(
      async () => {
        const res = await f.request('GET', '/messages', { token: alice });
        return (res.body as { items: { orderId: string }[] }).items.some((m) => m.orderId === orderId);
      },
      { what: 'the order placed message is listed' },
    );
  });
  after(async () => {
    await f.close();
    await ferret.stop();
    await redis.stop();
  });

  it('my page, messages and the store board are still read; what needs the actors answers 503', async () => {
    const staff = await f.tokenFor(uniqueUser('staff'), 'staff');
    await redis.kill();
    try {
      // Past the grace, so that a route following Redis would turn the request away at once.
      expectProblem(await f.request('GET', `/orders/${orderId}`, { token: alice }), 503, 'overloaded');
      const { res: late, ms } = await timed(() => f.request('GET', `/orders/${orderId}`, { token: alice }));
      expectProblem(late, 503, 'overloaded');
      expect(ms, 'turned away at once').to.be.below(ANSWERED_WITHIN_MS);

      const page = await f.request('GET', `/myPages/${orderId}`, { token: alice });
      expect(page.status, JSON.stringify(page.body)).to.equal(200);
      expect((page.body as { orderStatus: string }).orderStatus).to.equal('Ordered');
      const pages = await f.request('GET', '/myPages', { token: alice });
      expect((pages.body as { items: { orderId: string }[] }).items.map((i) => i.orderId)).to.include(
        orderId,
      );
      const messages = await f.request('GET', '/messages', { token: alice });
      expect(messages.status).to.equal(200);
      expect((messages.body as { items: { kind: string }[] }).items[0]?.kind).to.equal('OrderPlaced');
      const board = await f.request('GET', '/ordermanagements?status=Received', { token: staff });
      expect(board.status, JSON.stringify(board.body)).to.equal(200);
      // The read models still keep other customers out.
      const mallory = await f.tokenFor(uniqueUser('mallory'), 'customer');
      expectProblem(await f.request('GET', `/myPages/${orderId}`, { token: mallory }), 404, 'not-found');
    } finally {
      await redis.launch();
    }
  });
});

async function timed(send: () => Promise<ApiResponse>): Promise<{ res: ApiResponse; ms: number }> {
  const t0 = Date.now();
  const res = await send();
  return { res, ms: Date.now() - t0 };
}
