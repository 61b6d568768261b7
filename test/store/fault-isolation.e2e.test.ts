import { expect } from 'chai';
import { waitFor } from '../support/processes.js';
import type { MailboxInfo } from '../../http/ports.js';
import { admin, customer, staff, SplitStore, type OrderBody } from './fixture.js';

describe('fault isolation and the circuit breaker (e2e)', function () {
  this.timeout(180_000);
  let store: SplitStore;
  beforeEach(async () => {
    store = await SplitStore.start({ REQUEST_TIMEOUT_MS: '6000' });
  });
  afterEach(async () => {
    await store?.stop();
  });

  it('takes orders while the store role is down; the store catches up when it returns', async () => {
    await store.procs.get('store')!.stop('SIGKILL');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await store.place('c-iso');
      expect(r.status, JSON.stringify(r.body)).to.equal(201);
      ids.push(r.body.orderId);
    }
    const c = customer('c-iso');
    for (const id of ids)
      expect((await store.client.call<OrderBody>('GET', `/orders/${id}`, c)).body.status).to.equal('Ordered');
    // Nobody runs the store: the orders wait in its mailboxes, which no process owns (once the
    // killed process's leases have expired).
    await waitFor(
      async () => {
        const res = await store.client.call<{ items: MailboxInfo[] }>('GET', '/admin/mailboxes', admin);
        const mailboxes = res.body.items.filter((m) => m.type === 'store');
        return (
          mailboxes.length > 0 &&
          mailboxes.every((m) => m.owner === null) &&
          mailboxes.reduce((n, m) => n + m.lag, 0) >= ids.length
        );
      },
      { what: 'the orders waiting in the store mailboxes, owned by nobody' },
    );
    // So its board cannot list them yet.
    const before = await store.client.call<{ items: { orderId: string }[] }>(
      'GET',
      '/ordermanagements?limit=100',
      staff,
    );
    expect(before.body.items.filter((i) => ids.includes(i.orderId))).to.have.length(0);

    // A staff step needs the store actor: without it the edge answers "try again shortly".
    const step = await store.client.call<{ code: string }>(
      'POST',
      `/ordermanagements/${ids[0]}/accept`,
      staff,
    );
    expect(step.status).to.equal(503);
    expect(step.body.code).to.equal('overloaded');
    expect(Number(step.headers.get('retry-after'))).to.be.greaterThan(0);

    await store.startRole('store');
    const board = await store.until<{ items: { orderId: string; status: string }[] }>(
      '/ordermanagements?limit=100',
      staff,
      (b) => ids.every((id) => b.items.some((i) => i.orderId === id)),
      'the store to catch up with every order',
    );
    // The accept that timed out waited in the store's mailbox and was applied on its return
    // (a timed-out command may still take effect: clients retry steps, which are idempotent in outcome).
    const statusOf = (id: string) => board.items.find((i) => i.orderId === id)?.status;
    expect(ids.slice(1).map(statusOf)).to.deep.equal(['Received', 'Received', 'Received', 'Received']);
    await store.until<{ items: { orderId: string; status: string }[] }>(
      '/ordermanagements?status=Accepted&limit=100',
      staff,
      (b) => b.items.some((i) => i.orderId === ids[0]),
      'the queued accept to be applied',
    );
    expect((await store.client.call('POST', `/ordermanagements/${ids[1]}/accept`, staff)).status).to.equal(
      202,
    );
  });

  it('answers 503 quickly while the payment provider is down or hanging, and recovers', async () => {
    await store.psp.setMode('down');
    let t0 = Date.now();
    const down = await store.place('c-psp', {}, { 'Idempotency-Key': 'k-psp-1' });
    const downMs = Date.now() - t0;
    expect(down.status).to.equal(503);
    expect(down.body).to.include({ code: 'payment-unavailable' });
    expect(Number(down.headers.get('retry-after'))).to.be.greaterThan(0);
    expect(downMs).to.be.below(5000);

    await store.psp.setMode('hang');
    t0 = Date.now();
    const hanging = await store.place('c-psp');
    const hangMs = Date.now() - t0;
    expect(hanging.status).to.equal(503);
    // The payment timeout answered, not the edge's 6 s request timeout (which answers 'overloaded').
    expect(hanging.body.code, JSON.stringify(hanging.body)).to.equal('payment-unavailable');
    expect(hangMs, 'a hanging provider must not hold the customer').to.be.below(5000);

    // Enough failures inside the breaker's window open the circuit: answers then come at once,
    // without calling the provider.
    await store.psp.setMode('down');
    for (let i = 0; i < 6; i++) await store.place('c-psp');
    const callsBefore = await store.psp.chargeRequests();
    t0 = Date.now();
    const open = await store.place('c-psp');
    expect(open.status).to.equal(503);
    expect(await store.psp.chargeRequests(), 'the open circuit answered without calling').to.equal(
      callsBefore,
    );
    console.log(
      `      503 times: down ${downMs} ms, hanging ${hangMs} ms, open circuit ${Date.now() - t0} ms`,
    );

    // Nothing was established for those orders; once the provider is back, the same key succeeds.
    await store.psp.setMode('up');
    const ok = await waitFor(
      async () => {
        const res = await store.place('c-psp', {}, { 'Idempotency-Key': 'k-psp-1' });
        return res.status === 201 ? res : null;
      },
      { timeoutMs: 30_000, intervalMs: 250, what: 'orders to be taken again after the provider came back' },
    );
    expect(ok.body.status).to.equal('Ordered');
    const stats = await store.psp.stats();
    expect(Object.keys(stats.charges).filter((k) => k === `charge:${ok.body.orderId}`)).to.have.length(1);
  });
});
