/**
 * SIGTERM while an order is being paid (a real process, a slow built-in payment simulator): the
 * order in flight gets its real answer (201, charged once), not an error from under a stopping
 * process; meanwhile `/readyz` answers 503 (the port is still open) and a new API request is
 * turned away with 503 `overloaded`, Retry-After and `Connection: close`; the process exits 0.
 */
import { expect } from 'chai';
import { orderIdFor } from '../../http/idempotency.js';
import { uniquePrefix } from '../support/hooks.js';
import { waitFor } from '../support/processes.js';
import { RedisServer } from '../support/redis-server.js';
import { startStoreProcess, storeEnv, StoreClient, type StoreProcess } from '../support/store-process.js';

const ORDER = { productId: 'wm-100', quantity: 1, paymentToken: 'tok_visa', address: '1 Main Street' };

describe('graceful stop with an order in flight (real process)', function () {
  this.timeout(90_000);
  let redis: RedisServer;
  let store: StoreProcess;

  before(async () => {
    redis = await RedisServer.start();
    store = await startStoreProcess({
      env: storeEnv(redis.url, uniquePrefix(), { PSP_SIMULATOR: 'slow:1500' }),
    });
  });
  after(async () => {
    await store.stop('SIGKILL');
    await redis.stop();
  });

  it('answers the order in flight 201, readiness 503 and new requests 503 overloaded meanwhile, then exits 0', async () => {
    const client = new StoreClient(store.url);
    const alice = { sub: 'c-drain', role: 'customer' };
    const admin = { sub: 'admin-1', role: 'admin' };
    await client.token(alice.sub, alice.role);
    await client.token(admin.sub, admin.role);
    const key = `drain-${Date.now()}`;
    const id = orderIdFor(alice.sub, key);
    const placing = client.call<{ orderId: string }>('POST', '/orders', alice, ORDER, {
      'Idempotency-Key': key,
    });
    // The order actor has taken it and asked for the charge, which takes 1.5 s: stop now.
    await waitFor(async () => (await client.call('GET', `/admin/actors/order/${id}`, admin)).status === 200, {
      intervalMs: 20,
      what: 'the order being paid',
    });
    const exited = new Promise<number | null>((resolve) => store.child.once('exit', (code) => resolve(code)));
    store.child.kill('SIGTERM');

    await waitFor(async () => (await fetch(`${store.url}/readyz`)).status === 503, {
      intervalMs: 20,
      what: 'readiness 503 while draining',
    });
    const turnedAway = await client.call<{ code: string }>('POST', '/orders', alice, ORDER);
    expect(turnedAway.status).to.equal(503);
    expect(turnedAway.body.code).to.equal('overloaded');
    expect(Number(turnedAway.headers.get('retry-after'))).to.be.at.least(1);
    expect(turnedAway.headers.get('connection')).to.equal('close');

    const placed = await placing;
    expect(placed.status, JSON.stringify(placed.body)).to.equal(201);
    expect(placed.body.orderId).to.equal(id);
    expect(await exited, store.output().slice(-2000)).to.equal(0);
  });
});
