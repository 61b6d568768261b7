/**
 * The chart's dashboard and autoscaler queries against a real Prometheus scraping a running store
 * (each role its own process) under load: every query returns data, and the autoscaling signal
 * (mailbox lag) rises while the store's workers are down and falls back once they return.
 */
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { Keys } from '../../streams/keys.js';
import { ROLES, SplitStore } from '../store/fixture.js';
import { waitFor } from '../support/processes.js';
import {
  dashboardQueries,
  hpaQueries,
  kedaQueries,
  NAMESPACE,
  substituteGrafana,
  type ChartQuery,
} from './chart-queries.js';
import { Service, Shoppers } from './load.js';
import { Prometheus, type Target } from './prometheus.js';

/**
 * Panels that count incidents this healthy run does not have: their counters are born at the
 * first incident (a fenced commit, a watchdog restart), so "no series" is the right answer. They
 * must still evaluate without a PromQL error. The self-healing test drives the watchdog.
 */
const INCIDENT_ONLY = [/appliance_fenced_total/, /appliance_consumer_loop_restarts_total/];
/** Shards without an owner: empty while every shard is owned; the outage test sees it fill. */
const UNOWNED = /appliance_shard_has_owner\) == 0/;

describe('dashboard and autoscaler queries on a real Prometheus (e2e)', function () {
  this.timeout(90_000);
  let store: SplitStore;
  let prom: Prometheus;
  const targets = (): Target[] => [...store.procs.entries()].map(([job, p]) => ({ job, port: p.port }));

  before(async () => {
    store = await SplitStore.start({ SHARDS: '4', EVENT_SHARDS: '4' });
    prom = await Prometheus.start(targets(), NAMESPACE);
    await waitFor(async () => (await prom.healthyTargets()) === ROLES.length, {
      timeoutMs: 15_000,
      intervalMs: 200,
      what: 'prometheus scraping every process',
    });
  });
  after(async () => {
    await store?.stop();
    await prom?.stop();
  });

  it('evaluates every dashboard panel query and every autoscaler query with data under load', async () => {
    const dashboard = await dashboardQueries();
    const keda = await kedaQueries();
    const hpa = await hpaQueries();
    expect(dashboard.length).to.be.greaterThan(20);
    expect(keda.map((q) => q.source).sort()).to.deep.equal(
      ['delivery', 'notifier', 'order', 'payment', 'projector', 'store'].map(
        (g) => `ScaledObject shop-appliance-store-${g}`,
      ),
    );
    expect(hpa).to.have.length(6);

    const load = new Shoppers(new Service([store.client.baseUrl]), 4, 'prom');
    load.start();
    // Incidents the dashboard shows: a decline, client errors, a provider outage (5xx), a failing
    // notification gateway (retries) and a poison message (dead letter).
    expect((await store.place('c-declined', { paymentToken: 'tok_declined' })).status).to.equal(402);
    expect((await store.place('c-bad', { quantity: 99 })).status).to.equal(400);
    // The gateway fails until the notifier's own retries are spent and the mailbox retries.
    store.gateway.failNext(1_000_000);
    await waitFor(
      async () =>
        (await (await fetch(`${store.procs.get('notifier')!.url}/metrics`)).text()).includes(
          'appliance_messages_retried_total{',
        ),
      {
        timeoutMs: 20_000,
        intervalMs: 200,
        what: 'a notifier retry',
      },
    );
    store.gateway.failNext(0);
    await store.psp.setMode('down');
    expect((await store.place('c-psp-down')).status).to.equal(503);
    await store.psp.setMode('up');
    const redis = new Redis(store.env.REDIS_URL!);
    await redis.xadd(new Keys(store.env.KEY_PREFIX!).mailbox('store', 0), '*', 'm', 'not an envelope');
    await redis.quit();

    const all: ChartQuery[] = [...dashboard, ...keda, ...hpa];
    const expectData = all.filter((q) => !INCIDENT_ONLY.some((r) => r.test(q.expr)) && !UNOWNED.test(q.expr));
    const missing = new Set(expectData.map((q) => q.expr));
    await waitFor(
      async () => {
        for (const q of expectData) {
          if (!missing.has(q.expr)) continue;
          if ((await prom.query(substituteGrafana(q.expr))).length > 0) missing.delete(q.expr);
        }
        return missing.size === 0;
      },
      { timeoutMs: 30_000, intervalMs: 500, what: 'data for every query' },
    ).catch((err: unknown) => {
      const names = expectData.filter((q) => missing.has(q.expr)).map((q) => `${q.source}: ${q.expr}`);
      throw new Error(`${String(err)}\nqueries without data:\n${names.join('\n')}`);
    });
    const report = await load.stop();
    // The provider outage above is injected while the shoppers run: their orders in that window
    // (and while the circuit stays open after it) rightly get 503 payment-unavailable. Nothing else may fail.
    expect(report.failures.filter((f) => !f.includes('"code":"payment-unavailable"'))).to.deep.equal([]);
    expect(report.placed.size).to.be.greaterThan(0);

    for (const q of all.filter((x) => !expectData.includes(x))) await prom.query(substituteGrafana(q.expr)); // no PromQL error
    expect(await prom.query(dashboard.find((q) => UNOWNED.test(q.expr))!.expr)).to.deep.equal([]);
    console.log(
      `      ${expectData.length} of ${all.length} queries returned data (${dashboard.length} dashboard, ${keda.length} KEDA, ${hpa.length} HPA); ` +
        `load: ${report.requests} requests, ${report.placed.size} orders`,
    );
  });

  it('shows the lag signal rise while the store workers are stopped and fall back once they return', async () => {
    const storeQuery = (await kedaQueries()).find((q) => q.source.endsWith('-store'))!.expr;
    const unowned = (await dashboardQueries()).find((q) => UNOWNED.test(q.expr))!.expr;
    await waitFor(async () => (await prom.scalar(storeQuery)) === 0, {
      timeoutMs: 10_000,
      what: 'store lag 0 before',
    });

    const stopped = store.procs.get('store')!;
    expect(await stopped.stop('SIGTERM')).to.equal(0);
    const ORDERS = 12;
    for (let i = 0; i < ORDERS; i++) expect((await store.place(`c-lag-${i}`)).status).to.equal(201);
    const peak = await waitFor(
      async () => {
        const v = await prom.scalar(storeQuery);
        return v !== null && v >= ORDERS ? v : null;
      },
      { timeoutMs: 15_000, intervalMs: 250, what: `store lag >= ${ORDERS} in Prometheus` },
    );
    // The shards' has-owner gauges come from another process's scrape than the lag: poll for them too.
    await waitFor(
      async () => {
        const noOwner = await prom.query(unowned);
        return noOwner.some((s) => s.metric.type === 'store' && s.value === 4);
      },
      { timeoutMs: 15_000, intervalMs: 250, what: 'all 4 store shards without an owner in Prometheus' },
    );

    const restartedAt = Date.now();
    const back = await store.startRole('store');
    await prom.setTargets(targets());
    await waitFor(async () => (await prom.scalar(storeQuery)) === 0, {
      timeoutMs: 20_000,
      intervalMs: 250,
      what: 'store lag back to 0 in Prometheus',
    });
    const recoveryMs = Date.now() - restartedAt;
    expect(back.child.exitCode).to.equal(null);
    expect(await prom.query(unowned)).to.deep.equal([]);
    console.log(
      `      store lag peak ${peak} (with ${ORDERS} orders waiting); back to 0 ${recoveryMs} ms after the restart`,
    );
  });
});
