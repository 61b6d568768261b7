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
  this.timeout(240_000);
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

  it('frozen for longer than MAX_DELIVERIES retries: the projector keeps retrying, nothing is dead-lettered, my page catches up', async () => {
    const bobId = uniqueUser('bob');
    const bob = await f.tokenFor(bobId, 'customer');
    const admin = await f.tokenFor('ops', 'admin');
    const retried = async (): Promise<number> => {
      const text = (await f.request('GET', '/metrics')).text;
      const m = /^appliance_messages_retried_total\{type="projector"\} (\d+)/m.exec(text);
      return m ? Number(m[1]) : 0;
    };
    const before = await retried();
    process.kill(ferret.pid, 'SIGSTOP');
    let id: string;
    try {
      id = await placeOrder(f, bobId);
      // Past the 4 retries after which a failing event used to go to the dead letters.
      // Each failed attempt waits out the driver's socket or server-selection timeout (5 s) and then
      // a growing back-off: five retries took 55-59 s here, so the deadline leaves room.
      await waitFor(async () => (await retried()) >= before + 5, {
        timeoutMs: 120_000,
        intervalMs: 500,
        what: 'the projector retrying past MAX_DELIVERIES',
      });
    } finally {
      process.kill(ferret.pid, 'SIGCONT');
    }
    await waitFor(
      async () => {
        const page = await f.request('GET', `/myPages/${id}`, { token: bob });
        return page.status === 200 && (page.body as { paymentStatus: string }).paymentStatus === 'Approved';
      },
      { timeoutMs: 30_000, what: 'my page caught up' },
    );
    const dead = (await f.request('GET', '/admin/dead-letters', { token: admin })).body as {
      items: { type: string }[];
    };
    expect(dead.items.filter((d) => d.type === 'projector')).to.deep.equal([]);
  });

  it('stopped: reads answer 503 overloaded, and orders are still taken', async () => {
    await ferret.stop();
    for (const path of ['/myPages', '/messages']) {
      expectProblem(await f.request('GET', path, { token: alice }), 503, 'overloaded');
    }
    expect(await placeOrder(f, uniqueUser('bob'))).to.match(/^ord_/);
  });
});
