/**
 * Self-healing: when a consumer loop stops making progress and the runtime's watchdog gives up
 * (three restarts of its read did not help), the process's /healthz answers 503 so the kubelet's
 * liveness probe restarts the pod; it answers 200 again once the loop moves.
 *
 * The stall is real: the payment provider holds its answers, and PSP_TIMEOUT_MS is raised so far
 * that every in-flight payment handler of the one payment shard waits on it; with BATCH_SIZE=1 the
 * shard has at most 4 entries in flight, so the loop itself stops reading.
 */
import { expect } from 'chai';
import { customer } from '../store/fixture.js';
import { sharedRedis, uniquePrefix } from '../support/hooks.js';
import { startFakePsp } from '../support/fake-psp.js';
import { waitFor } from '../support/processes.js';
import { startStoreProcess, storeEnv, StoreClient } from '../support/store-process.js';

const metric = async (url: string, name: string): Promise<number> => {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line === undefined ? 0 : Number(line.split(' ').pop());
};

describe('self-healing: a stalled consumer loop fails the liveness probe (e2e)', function () {
  this.timeout(90_000);

  it('answers 503 on /healthz once the watchdog gives up, and 200 again when the loop moves', async () => {
    const psp = await startFakePsp();
    const env = storeEnv((await sharedRedis()).url, uniquePrefix(), {
      PSP_URL: psp.url,
      SHARDS: '1',
      BATCH_SIZE: '1',
      PSP_TIMEOUT_MS: '60000',
      REQUEST_TIMEOUT_MS: '2000',
    });
    const front = await startStoreProcess({ roles: 'edge,order,store,delivery,projector,notifier', env });
    const payment = await startStoreProcess({ roles: 'payment', env });
    const client = new StoreClient(front.url);
    try {
      expect((await fetch(`${payment.url}/healthz`)).status).to.equal(200);
      // Slow enough to outlast the watchdog (stall after blockMs + 5 s, three restarts, then
      // give up: about 21 s), short enough to let the loop move again within the test.
      await psp.setMode('slow', 32_000);
      const stalledAt = Date.now();
      const orders = Array.from({ length: 6 }, (_, i) =>
        client.call('POST', '/orders', customer(`c-stall-${i}`), {
          productId: 'wm-100',
          quantity: 1,
          paymentToken: 'tok_visa',
          address: '1 Main Street',
        }),
      );
      const unhealthy = await waitFor(
        async () => {
          const r = await fetch(`${payment.url}/healthz`);
          return r.status === 503 ? ((await r.json()) as { code?: string; status?: number }) : null;
        },
        { timeoutMs: 40_000, intervalMs: 250, what: 'payment /healthz 503' },
      );
      const detectedMs = Date.now() - stalledAt;
      expect(unhealthy.status).to.equal(503);
      expect(await metric(payment.url, 'appliance_consumer_stalled')).to.equal(1);
      expect(await metric(payment.url, 'appliance_consumer_loop_restarts_total')).to.be.at.least(3);
      // Only the stalled process is unhealthy: the front process's loops still run.
      expect((await fetch(`${front.url}/healthz`)).status).to.equal(200);

      await psp.setMode('up');
      await waitFor(async () => (await fetch(`${payment.url}/healthz`)).status === 200, {
        timeoutMs: 30_000,
        intervalMs: 250,
        what: 'payment /healthz 200 again',
      });
      const recoveredMs = Date.now() - stalledAt;
      expect(await metric(payment.url, 'appliance_consumer_stalled')).to.equal(0);
      // Every client call got an answer (201, or 503 when the edge's request timeout ran out).
      const answers = await Promise.all(orders);
      expect(answers).to.have.length(6);
      console.log(`      /healthz 503 after ${detectedMs} ms of stall; 200 again after ${recoveredMs} ms`);
    } finally {
      await Promise.all([front.stop(), payment.stop()]);
      await psp.stop();
    }
  });
});
