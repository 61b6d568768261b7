import { expect } from 'chai';
import { Keys } from '../../streams/index.js';
import { startFakeGateway } from '../support/fake-gateway.js';
import { startFakePsp } from '../support/fake-psp.js';
import { uniquePrefix } from '../support/hooks.js';
import { waitFor } from '../support/processes.js';
import { startPrivateRedisCluster, type RedisCluster } from '../support/redis-cluster.js';
import { StoreClient, startStoreProcess, storeEnv, type StoreProcess } from '../support/store-process.js';
import { firstOkAfter, stalls, startLoad, type Placed } from './load.js';
import { startWriteProbe } from './probe.js';

const admin = { sub: 'admin-1', role: 'admin' };
const CLIENTS = 4;
/** Orders answered 201 before the kill, and again after the store is back. */
const BEFORE = 10;
const AFTER = 10;
/** The store must take orders again within this after the kill (node timeout 2 s + election + leases). */
const MAX_UNAVAILABLE_MS = 20_000;

const FINAL: Record<Placed['plan'], string> = {
  cancel: 'Cancelled',
  pack: 'DeliveryStarted',
  keep: 'Ordered',
};

describe('Redis Cluster failover under load (3 masters + 3 replicas)', function () {
  this.timeout(90_000);
  let cluster: RedisCluster;
  let store: StoreProcess;

  after(async () => {
    await store?.stop('SIGTERM');
    await cluster?.stop();
  });

  it('SIGKILL of a master: the store continues after the promotion, loses no 201 and charges once', async () => {
    cluster = await startPrivateRedisCluster({ replicas: 1 });
    const psp = await startFakePsp();
    const gateway = await startFakeGateway();
    const prefix = uniquePrefix();
    store = await startStoreProcess({
      roles: 'all',
      env: storeEnv('', prefix, {
        REDIS_URL: '',
        REDIS_CLUSTER_NODES: cluster.nodesEnv,
        PSP_URL: psp.url,
        NOTIFY_URL: gateway.url,
        COURIERS: 'courier-1',
        REQUEST_TIMEOUT_MS: '4000',
      }),
    });
    const client = new StoreClient(store.url);

    // The victim: the master serving payment shard 0 (so charges and refunds are in the blast).
    const keys = new Keys(prefix);
    const victim = await cluster.nodeOf(keys.state('payment', 0));
    let stopped = false;
    const load = startLoad(client, CLIENTS, () => stopped);
    const probe = startWriteProbe(cluster, victim, `${keys.shard('payment', 0)}:failover-probe`);
    await waitFor(() => load.log.placed.length >= BEFORE, {
      timeoutMs: 30_000,
      intervalMs: 50,
      what: `${BEFORE} orders before the kill`,
    });

    const killedAt = Date.now();
    await cluster.server(victim).kill('SIGKILL');
    const promoted = await waitFor(
      async () => {
        const n = await cluster.nodeOf(keys.state('payment', 0));
        return n.port !== victim.port ? n : null;
      },
      { timeoutMs: 30_000, intervalMs: 50, what: 'a replica promoted for the killed master' },
    );
    const promotedAfterMs = Date.now() - killedAt;
    const figures = await probe.finish();

    // Orders succeed again, then keep the load on for a while.
    const backAt = await waitFor(() => firstOkAfter(load.log, killedAt), {
      timeoutMs: MAX_UNAVAILABLE_MS,
      intervalMs: 50,
      what: 'a 201 for an order placed after the kill',
    }).catch((err: unknown) => {
      const recent = load.log.attempts
        .filter((a) => a.start > killedAt)
        .map((a) => [a.start - killedAt, a.end - a.start, a.status]);
      throw new Error(
        `${String(err)}\nattempts after the kill [startMs, ms, status]: ${JSON.stringify(recent)}\n${store.output().slice(-4000)}`,
      );
    });
    await waitFor(() => load.log.placed.filter((p) => p.at >= backAt).length >= AFTER, {
      timeoutMs: 30_000,
      intervalMs: 50,
      what: `${AFTER} orders after the recovery`,
    });
    stopped = true;
    await load.done;
    const { log } = load;
    const stall = stalls(log);

    // Every 201 order reaches the final state its lifecycle asked for.
    for (const p of log.placed) {
      await waitFor(
        async () => {
          const r = await client.call<{ status: string }>('GET', `/orders/${p.orderId}`, admin);
          return r.status === 200 && r.body.status === FINAL[p.plan];
        },
        { timeoutMs: 30_000, intervalMs: 100, what: `order ${p.orderId} (${p.plan}) to be ${FINAL[p.plan]}` },
      );
    }
    expect(log.followUpFailures, 'follow-ups that never got through').to.deep.equal([]);

    // The books: one live charge per established order (its last attempt: a charge voided because
    // the edge gave the placing up is refunded, and the retry charged under the next key), one
    // refund of it per cancelled one, and no charge left standing without an order.
    const books = await psp.stats();
    const orderOf = (key: string) => key.replace(/^(charge|refund):/, '').replace(/:\d+$/, '');
    const attemptOf = (key: string) => Number(/:(\d+)$/.exec(key.slice('charge:'.length))?.[1] ?? 1);
    const placedIds = new Set(log.placed.map((p) => p.orderId));
    const liveKey = (id: string) =>
      Object.keys(books.charges)
        .filter((k) => orderOf(k) === id)
        .sort((a, b) => attemptOf(b) - attemptOf(a))[0];
    for (const p of log.placed) {
      const key = liveKey(p.orderId);
      const charge = key ? books.charges[key] : undefined;
      expect(charge, `charge of ${p.orderId}`).to.include({ status: 'approved' });
      const refund = books.refunds[key!.replace(/^charge:/, 'refund:')];
      if (p.plan === 'cancel')
        expect(refund, `refund of ${p.orderId}`).to.include({ chargeId: charge!.chargeId });
      else expect(refund, `refund of ${p.orderId}`).to.equal(undefined);
    }
    const refundsPerCharge = new Map<string, number>();
    for (const r of Object.values(books.refunds))
      refundsPerCharge.set(r.chargeId, (refundsPerCharge.get(r.chargeId) ?? 0) + 1);
    expect(
      [...refundsPerCharge.values()].every((n) => n === 1),
      'at most one refund per charge',
    ).to.equal(true);
    // Every other approved charge was refunded (voided), or is the live charge of an established
    // order whose request never saw its 201 (the run stopped while it retried).
    for (const [k, c] of Object.entries(books.charges)) {
      if (c.status !== 'approved' || (liveKey(orderOf(k)) === k && placedIds.has(orderOf(k)))) continue;
      if (books.refunds[k.replace(/^charge:/, 'refund:')]?.chargeId === c.chargeId) continue;
      const r = await client.call<{ status: string }>('GET', `/orders/${orderOf(k)}`, admin);
      expect(r.status, `order of the unanswered charge ${k}`).to.equal(200);
      expect(r.body.status).to.not.equal('Rejected');
      expect(liveKey(orderOf(k)), `${k} is its order's live charge`).to.equal(k);
    }

    const replays = Object.values(books.charges).reduce((n, c) => n + c.requests - 1, 0);
    console.log(
      `      failover figures: ${JSON.stringify({
        orders201: log.placed.length,
        attempts: log.attempts.length,
        promotedAfterMs,
        ...stall,
        firstSuccessAfterKillMs: backAt - killedAt,
        charges: Object.keys(books.charges).length,
        chargeReplays: replays,
        refunds: Object.keys(books.refunds).length,
        probe: figures,
        promoted: promoted.port,
      })}`,
    );
    expect(backAt - killedAt).to.be.below(MAX_UNAVAILABLE_MS);
    expect(stall.longestGapMs, 'longest time without any 201').to.be.below(MAX_UNAVAILABLE_MS);
    expect(log.placed.length).to.be.greaterThan(10);
  });
});
