/**
 * Zero downtime: under continuous load, every role is replaced one process at a time the way a
 * rolling update with `maxUnavailable: 0` does it (start the new pod, wait for /readyz, take the
 * old one out of the Service, SIGTERM it, wait for exit 0). No request fails, and every order the
 * load was answered 201 for exists, is charged exactly once and completes its lifecycle.
 */
import { expect } from 'chai';
import { customer, ROLES, SplitStore } from '../store/fixture.js';
import { waitFor } from '../support/processes.js';
import { startStoreProcess, StoreClient } from '../support/store-process.js';
import { Service, Shoppers } from './load.js';

describe('rolling restart of every role under load (e2e)', function () {
  this.timeout(90_000);
  let store: SplitStore;

  before(async () => {
    store = await SplitStore.start({ LOG_LEVEL: 'warn' });
  });
  after(async () => {
    await store?.stop();
  });

  it('answers every request, loses and doubles nothing while each role is replaced in turn', async () => {
    const service = new Service([store.client.baseUrl]);
    const load = new Shoppers(service, 4, 'roll');
    const started = Date.now();
    load.start();
    await waitFor(() => load.report.delivered.size >= 2, { timeoutMs: 20_000, what: 'load running' });

    const exits: Record<string, number | null> = {};
    for (const role of ROLES) {
      const old = store.procs.get(role)!;
      const next = await startStoreProcess({ roles: role, env: store.env });
      store.procs.set(role, next);
      if (role === 'edge') {
        // The Service routes to the new pod once it is ready and drops the old one before its
        // SIGTERM (the chart's preStop sleep covers that delay in Kubernetes).
        service.add(next.url);
        service.remove(old.url);
        await waitFor(() => load.inflightTo(old.url) === 0, { timeoutMs: 15_000, what: 'old edge drained' });
      }
      exits[role] = await old.stop('SIGTERM');
    }
    store.client = new StoreClient(store.procs.get('edge')!.url);
    const restartsMs = Date.now() - started;
    // Keep the load on a little after the last replacement, then let the lifecycles finish.
    const before = load.report.placed.size;
    await waitFor(() => load.report.placed.size >= before + 4, {
      timeoutMs: 20_000,
      what: 'orders after the restarts',
    });
    const report = await load.stop();

    expect(exits).to.deep.equal(Object.fromEntries(ROLES.map((r) => [r, 0])));
    expect(report.failures).to.deep.equal([]);
    expect(report.delivered.size).to.equal(report.placed.size);

    // Every 201 is a real order that reached Delivered.
    const ids = [...report.placed.keys()];
    await waitFor(
      async () => {
        for (const id of ids) {
          const r = await store.client.call<{ status: string }>(
            'GET',
            `/orders/${id}`,
            customer(report.placed.get(id)!),
          );
          if (r.status !== 200 || r.body.status !== 'Delivered') return false;
        }
        return true;
      },
      { timeoutMs: 30_000, intervalMs: 200, what: 'every order Delivered' },
    );
    // Charged exactly once each, nothing refunded.
    const books = await store.psp.stats();
    const charges = Object.values(books.charges).filter((c) => c.status === 'approved');
    expect(charges).to.have.length(ids.length);
    expect(Object.keys(books.refunds)).to.have.length(0);
    // Three messages per order, one per (order, kind): none lost (duplicates are dropped by id).
    await waitFor(
      () => {
        const seen = new Set(
          store.gateway
            .delivered()
            .map((p) => p.body as { orderId?: string; kind?: string })
            .filter((b) => b.orderId !== undefined && report.placed.has(b.orderId))
            .map((b) => `${b.orderId}/${b.kind}`),
        );
        return seen.size === ids.length * 3;
      },
      { timeoutMs: 20_000, intervalMs: 200, what: 'three messages per order at the gateway' },
    );
    console.log(
      `      ${ROLES.length} roles replaced in ${restartsMs} ms; ${report.requests} requests, 0 failed; ` +
        `${ids.length} orders placed, charged once and delivered (${report.notYet} not-yet answers retried)`,
    );
  });
});
