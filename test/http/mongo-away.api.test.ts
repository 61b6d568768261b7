/**
 * The edge while its Mongo read models are away: a stopped or a frozen (SIGSTOP) Mongo-wire server
 * makes reads answer 503 `overloaded` with Retry-After, within the driver's socket timeout, never
 * 500; orders are still taken, and the reads come back once the server does.
 */
import { expect } from 'chai';
import { startFerret, type FerretServer } from '../support/ferretdb.js';
import { waitFor } from '../support/processes.js';
import { startApiFixture, type ApiFixture } from './support/fixture.js';
import { expectProblem, placeOrder, uniqueUser } from './support/helpers.js';

describe('API: reads while the Mongo read models are away (real FerretDB)', function () {
  this.timeout(90_000);
  let ferret: FerretServer;
  let f: ApiFixture;
  let alice: string;
  before(async () => {
    ferret = await startFerret();
    f = await startApiFixture({ env: { MONGO_URL: `${ferret.url}away` } });
    const aliceId = uniqueUser('alice');
    alice = await f.tokenFor(aliceId, 'customer');
    const id = await placeOrder(f, aliceId);
    await waitFor(
      async () => {
        const page = (await f.request('GET', '/myPages', { token: alice })).body as {
          items: { orderId: string }[];
        };
        return page.items.some((i) => i.orderId === id);
      },
      { what: 'my page shows the order' },
    );
  });
  after(async () => {
    await f.close();
    await ferret.stop();
  });

  it('frozen (SIGSTOP): reads answer 503 overloaded with Retry-After within seconds, and recover after SIGCONT', async () => {
    process.kill(ferret.pid, 'SIGSTOP');
    try {
      const started = Date.now();
      const res = await f.request('GET', '/myPages', { token: alice });
      expectProblem(res, 503, 'overloaded');
      expect(Number(res.headers.get('retry-after'))).to.be.at.least(1);
      // Bounded by the driver's socket timeout (5 s), not its heartbeat (≈ 45 s).
      expect(Date.now() - started).to.be.below(20_000);
    } finally {
      process.kill(ferret.pid, 'SIGCONT');
    }
    await waitFor(async () => (await f.request('GET', '/myPages', { token: alice })).status === 200, {
      timeoutMs: 30_000,
      what: 'my page readable again',
    });
  });

  it('stopped: reads answer 503 overloaded, and orders are still taken', async () => {
    await ferret.stop();
    for (const path of ['/myPages', '/messages']) {
      expectProblem(await f.request('GET', path, { token: alice }), 503, 'overloaded');
    }
    expect(await placeOrder(f, uniqueUser('bob'))).to.match(/^ord_/);
  });
});
