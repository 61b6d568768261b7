import { expect } from 'chai';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { createPaymentSimulator, type PaymentSimulator } from '../../outbound/payment/simulator.js';
import { sharedRedis, uniquePrefix } from '../support/hooks.js';
import { freePort, waitFor } from '../support/processes.js';
import { metricValue, timed } from './helpers.js';

describe('outbound: built-in payment simulator (in process)', () => {
  let registry: Registry;
  let sim: PaymentSimulator;
  let redis: Redis;
  let prefix: string;
  const charge = (key = uniquePrefix(), token = 'tok_visa') =>
    sim.charge({ idempotencyKey: key, amount: 4990, currency: 'EUR', token });

  before(async () => {
    redis = new Redis((await sharedRedis()).url);
  });
  after(() => redis.quit());

  /** Records of one kind in this test's books (its own key prefix). */
  const booked = async (kind: 'charge-id' | 'refund'): Promise<number> =>
    (await redis.keys(`${prefix}:{psp-sim}:${kind}:*`)).length;

  beforeEach(() => {
    registry = new Registry();
    prefix = uniquePrefix();
    sim = createPaymentSimulator({
      redis,
      keyPrefix: prefix,
      timeoutMs: 150,
      registry,
      retry: { retries: 1, minDelayMs: 10, maxDelayMs: 10 },
      breaker: { volumeThreshold: 3, errorThresholdPercentage: 50, resetTimeoutMs: 300 },
    });
  });

  afterEach(() => sim.close());

  it('approves every token but tok_declined', async () => {
    expect((await charge()).status).to.equal('approved');
    expect(await charge(uniquePrefix(), 'tok_declined')).to.deep.equal({ status: 'declined' });
    expect(await metricValue(registry, 'appliance_payment_calls_total', { outcome: 'approved' })).to.equal(1);
    expect(await metricValue(registry, 'appliance_payment_calls_total', { outcome: 'declined' })).to.equal(1);
  });

  it('charges once per idempotency key and answers the same charge again', async () => {
    const key = uniquePrefix();
    const first = await charge(key);
    expect(await charge(key)).to.deep.equal(first);
    expect(await booked('charge-id')).to.equal(1);
    expect((await sim.chargeRecord(key))?.requests).to.equal(2);
  });

  it('refunds once per refund key', async () => {
    const approved = await charge();
    if (approved.status !== 'approved') throw new Error('expected approval');
    const request = { idempotencyKey: uniquePrefix(), chargeId: approved.chargeId, amount: 4990 };
    const refund = await sim.refund(request);
    expect(refund.status).to.equal('succeeded');
    expect(await sim.refund(request)).to.deep.equal(refund);
    expect(await booked('refund')).to.equal(1);
    expect((await sim.refundRecord(request.idempotencyKey))?.requests).to.equal(2);
  });

  it('answers unavailable when down, opens the circuit, and recovers through a half-open probe', async () => {
    sim.setMode({ down: true });
    await waitFor(async () => (await charge()).status === 'unavailable' && sim.breakerState() === 'open', {
      what: 'the circuit to open',
    });
    expect(await metricValue(registry, 'appliance_circuit_state', { name: 'payment' })).to.equal(2);
    const outcome = (o: string) => metricValue(registry, 'appliance_payment_calls_total', { outcome: o });
    const [rejected, unavailable] = [await outcome('rejected'), await outcome('unavailable')];
    // Not in doubt: the open circuit never sent it, so nothing can have been charged.
    expect(await charge()).to.deep.equal({ status: 'unavailable', retryAfterSeconds: 1, inDoubt: false });
    // Answered by the open circuit, without trying the (down) simulator.
    expect(await outcome('rejected'), 'rejected by the open circuit').to.equal(rejected + 1);
    expect(await outcome('unavailable'), 'no attempt made').to.equal(unavailable);

    sim.setMode({ down: false });
    await waitFor(() => sim.breakerState() === 'half-open', { what: 'half-open' });
    expect((await charge()).status).to.equal('approved');
    expect(sim.breakerState()).to.equal('closed');
    expect(await metricValue(registry, 'appliance_circuit_state', { name: 'payment' })).to.equal(0);
  });

  it('is slow but answers when latency stays under the timeout, and times out above it', async () => {
    sim.setMode({ latencyMs: 50 });
    const slow = await timed(() => charge());
    expect(slow.result.status).to.equal('approved');
    expect(slow.ms).to.be.at.least(45);

    sim.setMode({ latencyMs: 10_000 });
    const key = uniquePrefix();
    const hung = await timed(() => charge(key));
    expect(hung.result.status).to.equal('unavailable');
    // The 150 ms timeout (225 ms budget) cut it: the simulated latency is 10 s.
    expect(hung.ms).to.be.below(5000);
    expect(await sim.chargeRecord(key)).to.equal(undefined);
  });

  it('answers unavailable, the outcome in doubt, when its books (Redis) fail', async () => {
    // Nothing listens there, and no offline queue: every command fails at once.
    const offline = new Redis({
      port: await freePort(),
      enableOfflineQueue: false,
      retryStrategy: () => null,
    });
    offline.on('error', () => undefined);
    const broken = createPaymentSimulator({ redis: offline, keyPrefix: prefix, timeoutMs: 150, registry });
    try {
      expect(await broken.charge({ idempotencyKey: 'k', amount: 1, currency: 'EUR', token: 't' })).to.include(
        {
          status: 'unavailable',
          inDoubt: true,
        },
      );
    } finally {
      await broken.close();
      offline.disconnect();
    }
  });
});
