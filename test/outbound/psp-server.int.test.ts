import { expect } from 'chai';
import { startFakePsp, type FakePsp } from '../support/fake-psp.js';
import { uniquePrefix } from '../support/hooks.js';

async function post(url: string, body: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as unknown };
}

describe('outbound: payment simulator HTTP server (the provider API of API.md)', () => {
  let psp: FakePsp;

  beforeEach(async () => {
    psp = await startFakePsp();
  });
  afterEach(() => psp.stop());

  it('answers POST /charges with 201 { chargeId, status } and POST /refunds with 201 { refundId, status }', async () => {
    const key = uniquePrefix();
    const charged = await post(`${psp.url}/charges`, {
      idempotencyKey: key,
      amount: 100,
      currency: 'EUR',
      token: 't',
    });
    expect(charged.status).to.equal(201);
    expect(charged.body).to.have.keys('chargeId', 'status');
    expect(charged.body).to.include({ status: 'approved' });
    const declined = await post(`${psp.url}/charges`, {
      idempotencyKey: uniquePrefix(),
      amount: 100,
      currency: 'EUR',
      token: 'tok_declined',
    });
    expect(declined).to.deep.include({ status: 201 });
    expect(declined.body).to.include({ status: 'declined' });

    const { chargeId } = charged.body as { chargeId: string };
    const refunded = await post(`${psp.url}/refunds`, {
      idempotencyKey: uniquePrefix(),
      chargeId,
      amount: 100,
    });
    expect(refunded.status).to.equal(201);
    expect(refunded.body).to.have.keys('refundId', 'status');
    expect(refunded.body).to.include({ status: 'succeeded' });
  });

  it('refuses bad requests, reused keys, unknown charges and over-refunds', async () => {
    expect((await post(`${psp.url}/charges`, { amount: 'x' })).status).to.equal(400);
    const key = uniquePrefix();
    const ok = await post(`${psp.url}/charges`, {
      idempotencyKey: key,
      amount: 100,
      currency: 'EUR',
      token: 't',
    });
    const reused = await post(`${psp.url}/charges`, {
      idempotencyKey: key,
      amount: 200,
      currency: 'EUR',
      token: 't',
    });
    expect(reused.status).to.equal(422);
    expect(reused.body).to.include({ code: 'idempotency-key-reused' });
    const unknown = await post(`${psp.url}/refunds`, {
      idempotencyKey: uniquePrefix(),
      chargeId: 'ch_x',
      amount: 1,
    });
    expect(unknown.status).to.equal(404);
    const { chargeId } = ok.body as { chargeId: string };
    const over = await post(`${psp.url}/refunds`, { idempotencyKey: uniquePrefix(), chargeId, amount: 101 });
    expect(over.status).to.equal(422);
    expect(over.body).to.include({ code: 'amount-exceeds-charge' });
  });

  it('switches modes through POST /_control and reports what arrived in GET /_stats', async () => {
    await psp.setMode('down');
    const down = await post(`${psp.url}/charges`, {
      idempotencyKey: 'k',
      amount: 1,
      currency: 'EUR',
      token: 't',
    });
    expect(down.status).to.equal(503);
    await psp.setMode('slow', 30);
    const started = performance.now();
    const slow = await post(`${psp.url}/charges`, {
      idempotencyKey: 'k',
      amount: 1,
      currency: 'EUR',
      token: 't',
    });
    expect(slow.status).to.equal(201);
    expect(performance.now() - started).to.be.at.least(25);
    const stats = await psp.stats();
    expect(stats).to.deep.include({ mode: 'slow', latencyMs: 30, received: { charges: 2, refunds: 0 } });
    expect(stats.charges.k?.requests).to.equal(1);
    expect((await post(`${psp.url}/_control`, { mode: 'sideways' })).status).to.equal(400);
  });
});
