/**
 * The built-in payment simulator (PSP_URL unset) across a store restart: its books are in the
 * store's Redis, so an order charged before the restart is refunded after it (black-box finding:
 * the books were in memory, and the refund was refused and retried forever).
 */
import { expect } from 'chai';
import { startApiFixture, type ApiFixture } from '../http/support/fixture.js';
import { placeOrder, uniqueUser } from '../http/support/helpers.js';
import { sharedRedis, uniquePrefix } from '../support/hooks.js';
import { waitFor } from '../support/processes.js';

describe('outbound: the payment simulator keeps its books across a store restart (api)', function () {
  this.timeout(60_000);
  const opened: ApiFixture[] = [];
  afterEach(async () => {
    for (const f of opened.splice(0)) await f.close();
  });

  /** A store on the shared Redis under `prefix`, paying through the built-in simulator. */
  async function store(prefix: string): Promise<ApiFixture> {
    const f = await startApiFixture({
      redisUrl: (await sharedRedis()).url,
      env: { PSP_URL: '', KEY_PREFIX: prefix },
    });
    opened.push(f);
    return f;
  }

  it('refunds, after a restart on the same Redis and prefix, an order charged before it', async () => {
    const prefix = uniquePrefix();
    const customer = uniqueUser('restart');
    const before = await store(prefix);
    expect(before.config.pspUrl).to.equal(null);
    const id = await placeOrder(before, customer);
    const token = await before.tokenFor(customer, 'customer');
    const payment = await before.request('GET', `/payments/${id}`, { token });
    expect(payment.body).to.include({ status: 'Approved' });
    await before.close();

    const after = await store(prefix);
    const cancel = await after.request('POST', `/orders/${id}/cancel`, { token });
    expect(cancel.status, cancel.text).to.equal(202);
    await waitFor(
      async () => {
        const res = await after.request('GET', `/payments/${id}`, { token });
        return (res.body as { status?: string } | undefined)?.status === 'Refunded';
      },
      { what: `payment of ${id} Refunded after the restart`, timeoutMs: 15_000 },
    );
  });
});
