/**
 * The simulator's books on Redis Cluster (3 masters): every key shares the `{psp-sim}` hash tag,
 * so each charge and refund script runs on one node (no CROSSSLOT), whichever node that is.
 */
import { expect } from 'chai';
import { Cluster } from 'ioredis';
import { ledgerKeys } from '../../outbound/payment/redis-ledger.js';
import { createPaymentSimulator } from '../../outbound/payment/simulator.js';
import { uniquePrefix } from '../support/hooks.js';
import { startRedisCluster } from '../support/redis-cluster.js';

describe('outbound: the payment simulator books on Redis Cluster', function () {
  this.timeout(120_000);

  it('charges on one client and refunds on another, all keys in one slot', async () => {
    const cluster = await startRedisCluster();
    const [a, b] = [new Cluster([...cluster.nodes]), new Cluster([...cluster.nodes])];
    const keyPrefix = uniquePrefix();
    const [charger, refunder] = [a, b].map((redis) =>
      createPaymentSimulator({ redis, keyPrefix, timeoutMs: 2000 }),
    );
    try {
      const charged = await charger!.charge({
        idempotencyKey: 'charge:o1',
        amount: 100,
        currency: 'EUR',
        token: 't',
      });
      if (charged.status !== 'approved') throw new Error(`expected approval, got ${JSON.stringify(charged)}`);
      const refund = { idempotencyKey: 'refund:o1', chargeId: charged.chargeId, amount: 100 };
      expect((await refunder!.refund(refund)).status).to.equal('succeeded');

      const keys = ledgerKeys(keyPrefix);
      const slots = await Promise.all(
        [keys.chargeByKey('charge:o1'), keys.chargeById(charged.chargeId), keys.refundByKey('refund:o1')].map(
          (key) => a.cluster('KEYSLOT', key),
        ),
      );
      expect(new Set(slots)).to.have.length(1);
    } finally {
      await Promise.all([charger!.close(), refunder!.close()]);
      await Promise.all([a.quit(), b.quit()]);
    }
  });
});
