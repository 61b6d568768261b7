/**
 * The built-in simulator's books in Redis (outbound/payment/redis-ledger.ts): shared by every
 * simulator on the same Redis and key prefix (a restart, a second payment process), one charge
 * per idempotency key under concurrency, and the refund rules of the in-memory PaymentLedger.
 */
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { PaymentLedger, type ChargeOutcome, type RefundOutcome } from '../../outbound/payment/ledger.js';
import { RedisPaymentLedger, ledgerKeys } from '../../outbound/payment/redis-ledger.js';
import { createPaymentSimulator, type PaymentSimulator } from '../../outbound/payment/simulator.js';
import { sharedRedis, uniquePrefix } from '../support/hooks.js';

describe('outbound: the payment simulator books in Redis', () => {
  const clients: Redis[] = [];
  const sims: PaymentSimulator[] = [];
  let prefix: string;

  /** A client of its own, as another process (or the same one after a restart) would have. */
  async function client(): Promise<Redis> {
    const c = new Redis((await sharedRedis()).url);
    clients.push(c);
    return c;
  }
  async function simulator(): Promise<PaymentSimulator> {
    const sim = createPaymentSimulator({ redis: await client(), keyPrefix: prefix, timeoutMs: 1000 });
    sims.push(sim);
    return sim;
  }
  const chargeOf = (key: string, amount = 4990, token = 'tok_visa') => ({
    idempotencyKey: key,
    amount,
    currency: 'EUR',
    token,
  });

  beforeEach(() => {
    prefix = uniquePrefix();
  });
  afterEach(async () => {
    await Promise.all(sims.splice(0).map((s) => s.close()));
    await Promise.all(clients.splice(0).map((c) => c.quit()));
  });

  it('refunds through one simulator a charge made through another (a restart, a second process)', async () => {
    const [before, after] = [await simulator(), await simulator()];
    const charged = await before.charge(chargeOf('charge:o1'));
    if (charged.status !== 'approved') throw new Error(`expected approval, got ${charged.status}`);
    await before.close();

    // The same key again, to the other instance, answers the first charge.
    expect(await after.charge(chargeOf('charge:o1'))).to.deep.equal(charged);
    const refund = { idempotencyKey: 'refund:o1', chargeId: charged.chargeId, amount: 4990 };
    const refunded = await after.refund(refund);
    expect(refunded.status).to.equal('succeeded');
    expect(await (await simulator()).refund(refund)).to.deep.equal(refunded);
    expect(await after.chargeRecord('charge:o1')).to.include({ chargeId: charged.chargeId, requests: 2 });
    expect(await after.refundRecord('refund:o1')).to.include({ chargeId: charged.chargeId, requests: 2 });
  });

  it('charges once when calls with one key run at the same time', async () => {
    const ledgers = await Promise.all([client(), client(), client()]).then((cs) =>
      cs.map((redis) => new RedisPaymentLedger({ redis, keyPrefix: prefix })),
    );
    const outcomes = await Promise.all(
      Array.from({ length: 30 }, (_, i) => ledgers[i % ledgers.length]!.charge(chargeOf('charge:same'))),
    );
    const ids = new Set(outcomes.map((o) => (o.ok ? o.chargeId : o.code)));
    expect([...ids]).to.have.length(1);
    expect([...ids][0]).to.match(/^ch_/);
    const redis = await client();
    expect(await redis.keys(`${prefix}:{psp-sim}:charge-id:*`)).to.have.length(1);
    expect((await ledgers[0]!.chargeRecord('charge:same'))?.requests).to.equal(30);

    // Concurrent refunds with one key refund once too, and partial refunds never exceed the charge.
    const chargeId = [...ids][0]!;
    const refunds = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        ledgers[i % ledgers.length]!.refund({ idempotencyKey: `refund:${i % 3}`, chargeId, amount: 2000 }),
      ),
    );
    const codes = refunds.map((r) => (r.ok ? 'ok' : r.code));
    expect(new Set(refunds.filter((r) => r.ok).map((r) => (r.ok ? r.refundId : '')))).to.have.length(2);
    expect(codes.filter((c) => c === 'amount-exceeds-charge').length).to.be.within(3, 4); // every call of the key that came third
    expect(await redis.hget(ledgerKeys(prefix).chargeById(chargeId), 'refunded')).to.equal('4000');
  });

  it('answers every charge and refund as the in-memory PaymentLedger does (same rules, same refusals)', async () => {
    const redisBooks = new RedisPaymentLedger({ redis: await client(), keyPrefix: prefix });
    const memoryBooks = new PaymentLedger();
    // Charge ids differ between the books: a refund names the charge by the key it was made with.
    const ids = { redis: new Map<string, string>(), memory: new Map<string, string>() };
    type Step = ['charge', string, number, string?] | ['refund', string, string, number];
    const steps: Step[] = [
      ['charge', 'c1', 10_000],
      ['charge', 'c1', 10_000], // replay
      ['charge', 'c1', 9_999], // idempotency-key-reused
      ['charge', 'c1', 10_000, 'tok_other'], // idempotency-key-reused
      ['charge', 'c2', 500, 'tok_declined'],
      ['refund', 'r1', 'c1', 6_000],
      ['refund', 'r1', 'c1', 6_000], // replay
      ['refund', 'r1', 'c1', 5_000], // idempotency-key-reused
      ['refund', 'r2', 'c1', 4_001], // amount-exceeds-charge
      ['refund', 'r3', 'c1', 4_000], // exactly the rest
      ['refund', 'r4', 'c1', 1], // amount-exceeds-charge
      ['refund', 'r5', 'c2', 500], // charge-not-approved
      ['refund', 'r6', 'unknown', 1], // unknown-charge
      ['refund', 'r3', 'c2', 4_000], // idempotency-key-reused (another charge)
    ];
    const shape = (o: ChargeOutcome | RefundOutcome) =>
      o.ok
        ? 'status' in o
          ? `ok ${o.status}`
          : 'ok'
        : `${o.code}: ${o.message.replace(/(ch|re)_[\w-]+/g, '$1_x')}`;
    for (const step of steps) {
      const [r, m] =
        step[0] === 'charge'
          ? [
              await redisBooks.charge(chargeOf(step[1], step[2], step[3])),
              memoryBooks.charge(chargeOf(step[1], step[2], step[3])),
            ]
          : [
              await redisBooks.refund(refundOf(ids.redis, step)),
              memoryBooks.refund(refundOf(ids.memory, step)),
            ];
      if (step[0] === 'charge' && r.ok && 'chargeId' in r && m.ok && 'chargeId' in m) {
        ids.redis.set(step[1], r.chargeId);
        ids.memory.set(step[1], m.chargeId);
      }
      expect(shape(r), step.join(' ')).to.equal(shape(m));
    }

    function refundOf(
      byKey: Map<string, string>,
      [, key, charge, amount]: ['refund', string, string, number],
    ) {
      return { idempotencyKey: key, chargeId: byKey.get(charge) ?? `ch_${charge}`, amount };
    }
  });

  it('keeps every record for the retention only, renewed by each write', async () => {
    const redis = await client();
    const books = new RedisPaymentLedger({ redis, keyPrefix: prefix, retentionMs: 60_000 });
    const charged = await books.charge(chargeOf('charge:ttl'));
    if (!charged.ok) throw new Error(charged.message);
    await books.refund({ idempotencyKey: 'refund:ttl', chargeId: charged.chargeId, amount: 1 });
    const keys = ledgerKeys(prefix);
    for (const key of [
      keys.chargeByKey('charge:ttl'),
      keys.chargeById(charged.chargeId),
      keys.refundByKey('refund:ttl'),
    ]) {
      expect(await redis.pttl(key), key).to.be.within(1, 60_000);
    }
    expect(await redis.pttl(keys.chargeByKey('other'))).to.equal(-2);
  });
});
