import { expect } from 'chai';
import { Registry } from 'prom-client';
import {
  createHttpPaymentProvider,
  type HttpPaymentProviderOptions,
} from '../../outbound/payment/http-provider.js';
import type { GuardedPaymentProvider } from '../../outbound/payment/guard.js';
import { startFakePsp, type FakePsp } from '../support/fake-psp.js';
import { uniquePrefix } from '../support/hooks.js';
import { freePort, waitFor } from '../support/processes.js';
import { metricValue, timed } from './helpers.js';

describe('outbound: HTTP payment provider against a real PSP server', () => {
  let psp: FakePsp;
  let registry: Registry;
  const providers: GuardedPaymentProvider[] = [];

  const provider = (options: Partial<HttpPaymentProviderOptions> = {}): GuardedPaymentProvider => {
    const p = createHttpPaymentProvider({ baseUrl: psp.url, timeoutMs: 1000, registry, ...options });
    providers.push(p);
    return p;
  };
  const charge = (p: GuardedPaymentProvider, key = `${uniquePrefix()}-charge`, token = 'tok_visa') =>
    p.charge({ idempotencyKey: key, amount: 129_900, currency: 'EUR', token });

  beforeEach(async () => {
    psp = await startFakePsp();
    registry = new Registry();
  });

  afterEach(async () => {
    for (const p of providers.splice(0)) await p.close();
    await psp.stop();
  });

  it('approves a charge and counts it', async () => {
    const result = await charge(provider());
    expect(result.status).to.equal('approved');
    expect(result.status === 'approved' && result.chargeId).to.match(/^ch_/);
    expect(
      await metricValue(registry, 'appliance_payment_calls_total', {
        operation: 'charge',
        outcome: 'approved',
      }),
    ).to.equal(1);
  });

  it('declines tok_declined, and declines never open the circuit', async () => {
    const p = provider({ breaker: { volumeThreshold: 2, errorThresholdPercentage: 10 } });
    for (let i = 0; i < 6; i++) {
      expect(await charge(p, `${uniquePrefix()}-d${i}`, 'tok_declined')).to.deep.equal({
        status: 'declined',
      });
    }
    expect(p.breakerState()).to.equal('closed');
    expect(await metricValue(registry, 'appliance_circuit_state', { name: 'payment' })).to.equal(0);
    expect(await metricValue(registry, 'appliance_payment_calls_total', { outcome: 'declined' })).to.equal(6);
  });

  it('honours the idempotency key: the same key twice charges once and answers the same charge', async () => {
    const p = provider();
    const key = `${uniquePrefix()}-order-1`;
    const first = await charge(p, key);
    const second = await charge(p, key);
    expect(second).to.deep.equal(first);
    const other = await charge(p);
    expect(other.status === 'approved' && other.chargeId).to.not.equal(
      first.status === 'approved' && first.chargeId,
    );
    const stats = await psp.stats();
    expect(Object.keys(stats.charges)).to.have.length(2);
    expect(stats.charges[key]?.requests).to.equal(2);
  });

  it('refunds an approved charge once per refund key', async () => {
    const p = provider();
    const approved = await charge(p);
    if (approved.status !== 'approved') throw new Error(`expected approval, got ${approved.status}`);
    const key = `${uniquePrefix()}-refund`;
    const refund = await p.refund({ idempotencyKey: key, chargeId: approved.chargeId, amount: 129_900 });
    expect(refund.status).to.equal('succeeded');
    expect(refund.status === 'succeeded' && refund.refundId).to.match(/^re_/);
    expect(
      await p.refund({ idempotencyKey: key, chargeId: approved.chargeId, amount: 129_900 }),
    ).to.deep.equal(refund);
    const stats = await psp.stats();
    expect(Object.keys(stats.refunds)).to.deep.equal([key]);
    expect(stats.refunds[key]?.requests).to.equal(2);
    expect(
      await metricValue(registry, 'appliance_payment_calls_total', {
        operation: 'refund',
        outcome: 'succeeded',
      }),
    ).to.equal(2);
  });

  it('a charge the provider refuses with a 4xx is unavailable but not in doubt (nothing was taken)', async () => {
    const p = provider();
    const key = `${uniquePrefix()}-charge`;
    expect((await charge(p, key)).status).to.equal('approved');
    // The same key with another token: the provider refuses it (422), charging nothing.
    const refused = await charge(p, key, 'tok_mastercard');
    expect(refused).to.deep.include({ status: 'unavailable', inDoubt: false });
  });

  it('treats a non-201 answer as unavailable and does not retry a 4xx', async () => {
    const p = provider();
    const result = await p.refund({ idempotencyKey: uniquePrefix(), chargeId: 'ch_unknown', amount: 1 });
    expect(result.status).to.equal('unavailable');
    expect(await psp.refundRequests()).to.equal(1);
  });

  it('retries a 503 quickly, then answers unavailable', async () => {
    await psp.setMode('down');
    const p = provider({ retry: { retries: 2, minDelayMs: 10, maxDelayMs: 20 } });
    const { result, ms } = await timed(() => charge(p));
    // Not in doubt: 503 Service Unavailable says the provider did not take the request.
    expect(result).to.deep.include({ status: 'unavailable', inDoubt: false });
    expect(result.status === 'unavailable' && result.retryAfterSeconds).to.be.at.least(1);
    expect(await psp.chargeRequests()).to.equal(3);
    expect(ms).to.be.below(1000);
  });

  it('answers unavailable within the budget when the provider hangs', async () => {
    await psp.setMode('hang');
    const p = provider({ timeoutMs: 200, budgetMs: 400 });
    const { result, ms } = await timed(() => charge(p));
    expect(result).to.deep.include({ status: 'unavailable', inDoubt: true });
    expect(ms).to.be.at.least(200);
    expect(ms).to.be.below(400 + 1000);
    // Two attempts fit the 400 ms budget (200 + a 50 ms delay + what is left); a third means it was ignored.
    expect(await psp.chargeRequests()).to.equal(2);
  });

  it('never holds a customer more than ~3-4 s on a hanging provider with the default settings', async () => {
    await psp.setMode('hang');
    const p = provider({ timeoutMs: 2000 });
    const { result, ms } = await timed(() => charge(p));
    expect(result.status).to.equal('unavailable');
    // The default budget is 1.5 × the timeout (3 s); without it three attempts would take ~6 s.
    expect(ms).to.be.below(5000);
  });

  it('answers unavailable at once when the connection is refused', async () => {
    const p = provider({ baseUrl: `http://127.0.0.1:${await freePort()}` });
    const { result, ms } = await timed(() => charge(p));
    // Not in doubt: a refused connection never reached the provider.
    expect(result).to.deep.include({ status: 'unavailable', inDoubt: false });
    expect(ms).to.be.below(1000);
    expect(await metricValue(registry, 'appliance_payment_calls_total', { outcome: 'unavailable' })).to.equal(
      1,
    );
  });

  it('opens the circuit after failures and then answers at once without calling the provider', async () => {
    await psp.setMode('down');
    const p = provider({
      retry: { retries: 0 },
      breaker: { volumeThreshold: 3, errorThresholdPercentage: 50, resetTimeoutMs: 60_000 },
    });
    await waitFor(async () => (await charge(p)).status === 'unavailable' && p.breakerState() === 'open', {
      what: 'the circuit to open',
    });
    expect(await metricValue(registry, 'appliance_circuit_state', { name: 'payment' })).to.equal(2);
    const callsWhenOpened = await psp.chargeRequests();
    for (let i = 0; i < 5; i++) {
      const result = await charge(p);
      expect(result.status).to.equal('unavailable');
      expect(result.status === 'unavailable' && result.retryAfterSeconds).to.be.within(50, 60);
    }
    expect(await psp.chargeRequests()).to.equal(callsWhenOpened);
    expect(await metricValue(registry, 'appliance_payment_calls_total', { outcome: 'rejected' })).to.equal(5);
  });

  it('lets one probe through when half-open: a failed probe reopens, a good one closes the circuit', async () => {
    await psp.setMode('down');
    const p = provider({
      retry: { retries: 0 },
      breaker: { volumeThreshold: 2, errorThresholdPercentage: 50, resetTimeoutMs: 300 },
    });
    await waitFor(async () => (await charge(p)).status === 'unavailable' && p.breakerState() === 'open', {
      what: 'the circuit to open',
    });
    const gauge = () => metricValue(registry, 'appliance_circuit_state', { name: 'payment' });
    await waitFor(async () => (await gauge()) === 1, { what: 'half-open' });
    const before = await psp.chargeRequests();
    expect((await charge(p)).status).to.equal('unavailable');
    expect(await psp.chargeRequests()).to.equal(before + 1);
    expect(p.breakerState()).to.equal('open');
    expect(await gauge()).to.equal(2);

    await psp.setMode('up');
    await waitFor(async () => (await gauge()) === 1, { what: 'half-open again' });
    expect((await charge(p)).status).to.equal('approved');
    expect(p.breakerState()).to.equal('closed');
    expect(await gauge()).to.equal(0);
  });
});
