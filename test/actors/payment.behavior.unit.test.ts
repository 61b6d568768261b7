import { expect } from 'chai';
import sinon from 'sinon';
import { TerminalError } from '../../actors/errors.js';
import type { Handled, Message } from '../../actors/kernel.js';
import { createPaymentBehavior } from '../../actors/payment/behavior.js';
import type { ChargeResult, PaymentProvider, RefundResult } from '../../actors/payment/provider.js';
import type { PaymentState } from '../../actors/payment/state.js';
import { context, KEY, NOW } from './given.js';

const charged = {
  orderId: KEY,
  customerId: 'c-1',
  amount: 99_800,
  currency: 'EUR',
  paymentToken: 'tok_visa',
};
const chargePayment: Message = { type: 'ChargePayment', data: charged };
const refundPayment: Message = { type: 'RefundPayment', data: {} };
const toOrder = (data: unknown) => ({
  to: { type: 'order', key: KEY },
  msg: { type: 'PaymentResult', data },
});

/** A fake of the provider: the real one is an external system (the PSP). */
function fakeProvider() {
  const charge = sinon.stub<Parameters<PaymentProvider['charge']>, Promise<ChargeResult>>();
  const refund = sinon.stub<Parameters<PaymentProvider['refund']>, Promise<RefundResult>>();
  return { provider: { charge, refund } satisfies PaymentProvider, charge, refund };
}

describe('payment behaviour (runner, pre-step and policy)', () => {
  let fake: ReturnType<typeof fakeProvider>;
  let behavior: ReturnType<typeof createPaymentBehavior>;

  beforeEach(() => {
    fake = fakeProvider();
    behavior = createPaymentBehavior(fake.provider, { settleAfterMs: 60_000 });
  });

  const handle = (state: PaymentState, msg: Message): Promise<Handled<PaymentState>> =>
    Promise.resolve(behavior.handle(state, behavior.decode(msg), context()));
  const approvedState = async (): Promise<PaymentState> => {
    fake.charge.resolves({ status: 'approved', chargeId: 'ch-1' });
    const { state } = await handle(behavior.initialState(), chargePayment);
    fake.charge.resetHistory();
    return state;
  };

  it('is named "payment"', () => {
    expect(behavior.name).to.equal('payment');
  });

  it("approved: charges once with the order's idempotency key, publishes PaymentApproved, tells the order", async () => {
    fake.charge.resolves({ status: 'approved', chargeId: 'ch-1' });
    const handled = await handle(behavior.initialState(), chargePayment);
    expect(
      fake.charge.calledOnceWithExactly({
        idempotencyKey: `charge:${KEY}`,
        amount: 99_800,
        currency: 'EUR',
        token: 'tok_visa',
      }),
    ).to.equal(true);
    expect(handled.publish).to.deep.equal([
      {
        type: 'PaymentApproved',
        data: {
          customerId: 'c-1',
          amount: 99_800,
          currency: 'EUR',
          chargeId: 'ch-1',
          orderId: KEY,
          at: NOW,
          version: 1,
        },
      },
    ]);
    expect(handled.send).to.deep.equal([toOrder({ outcome: 'approved', chargeId: 'ch-1' })]);
    expect(handled.state).to.include({ status: 'Approved', version: 1 });
    expect(JSON.stringify(handled.state)).not.to.contain('tok_visa');
  });

  it('declined: publishes PaymentDeclined and tells the order', async () => {
    fake.charge.resolves({ status: 'declined' });
    const handled = await handle(behavior.initialState(), chargePayment);
    expect(handled.publish?.map((e) => e.type)).to.deep.equal(['PaymentDeclined']);
    expect(handled.send).to.deep.equal([toOrder({ outcome: 'declined' })]);
    expect(handled.state.status).to.equal('Declined');
  });

  it('unavailable: no state change, nothing published, the order is told to retry', async () => {
    fake.charge.resolves({ status: 'unavailable', retryAfterSeconds: 4 });
    const handled = await handle(behavior.initialState(), chargePayment);
    expect(handled.publish).to.deep.equal([]);
    expect(handled.send).to.deep.equal([toOrder({ outcome: 'unavailable', retryAfterSeconds: 4 })]);
    expect(handled.state.status).to.equal('None');
  });

  it('a repeated ChargePayment resends the stored outcome without calling the provider', async () => {
    const approved = await approvedState();
    const handled = await handle(approved, chargePayment);
    expect(fake.charge.called).to.equal(false);
    expect(handled.publish).to.deep.equal([]);
    expect(handled.send).to.deep.equal([toOrder({ outcome: 'approved', chargeId: 'ch-1' })]);

    fake.charge.resolves({ status: 'declined' });
    const declined = (await handle(behavior.initialState(), chargePayment)).state;
    fake.charge.resetHistory();
    const again = await handle(declined, chargePayment);
    expect(fake.charge.called).to.equal(false);
    expect(again.send).to.deep.equal([toOrder({ outcome: 'declined' })]);
  });

  it('after unavailable, a new ChargePayment calls the provider again with the same key', async () => {
    fake.charge.onFirstCall().resolves({ status: 'unavailable', retryAfterSeconds: 1 });
    fake.charge.onSecondCall().resolves({ status: 'approved', chargeId: 'ch-1' });
    const first = await handle(behavior.initialState(), chargePayment);
    const second = await handle(first.state, chargePayment);
    expect(fake.charge.callCount).to.equal(2);
    expect(fake.charge.secondCall.args[0].idempotencyKey).to.equal(`charge:${KEY}`);
    expect(second.state.status).to.equal('Approved');
  });

  it('a provider that throws fails the handling (the runtime retries it)', async () => {
    fake.charge.rejects(new Error('socket hang up'));
    let error: unknown;
    await handle(behavior.initialState(), chargePayment).catch((e: unknown) => (error = e));
    expect(error).to.be.instanceOf(Error).with.property('message', 'socket hang up');
  });

  it('refund: refunds with the refund key, publishes PaymentRefunded, tells the order', async () => {
    const approved = await approvedState();
    fake.refund.resolves({ status: 'succeeded', refundId: 'rf-1' });
    const handled = await handle(approved, refundPayment);
    expect(
      fake.refund.calledOnceWithExactly({
        idempotencyKey: `refund:${KEY}`,
        chargeId: 'ch-1',
        amount: 99_800,
      }),
    ).to.equal(true);
    expect(handled.publish?.map((e) => e.type)).to.deep.equal(['PaymentRefunded']);
    expect(handled.send).to.deep.equal([
      { to: { type: 'order', key: KEY }, msg: { type: 'PaymentRefunded', data: { refundId: 'rf-1' } } },
    ]);
    expect(handled.state.status).to.equal('Refunded');

    const again = await handle(handled.state, refundPayment);
    expect(fake.refund.callCount).to.equal(1);
    expect(again.send).to.deep.equal([]);
    expect(again.state).to.deep.equal(handled.state);
  });

  it('refund unavailable: keeps the state and sets a durable timer that backs off, never giving up', async () => {
    let state = await approvedState();
    fake.refund.resolves({ status: 'unavailable', retryAfterSeconds: 1 });
    const delays: (number | undefined)[] = [];
    for (let i = 0; i < 9; i++) {
      const handled = await handle(state, refundPayment);
      expect(handled.publish).to.deep.equal([]);
      expect(handled.send).to.have.length(1);
      expect(handled.send?.[0]).to.deep.include({ to: { type: 'payment', key: KEY }, msg: refundPayment });
      delays.push(handled.send?.[0]?.delayMs);
      state = handled.state;
    }
    expect(delays).to.deep.equal([500, 1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000]);
    expect(state).to.include({ status: 'Approved', refundFailures: 9 });

    fake.refund.resolves({ status: 'succeeded', refundId: 'rf-1' });
    const done = await handle(state, refundPayment);
    expect(done.state.status).to.equal('Refunded');
    expect(fake.refund.alwaysCalledWith(sinon.match({ idempotencyKey: `refund:${KEY}` }))).to.equal(true);
  });

  it('RefundPayment with no approved charge calls nothing and does nothing', async () => {
    const none = await handle(behavior.initialState(), refundPayment);
    expect(fake.refund.called).to.equal(false);
    expect(none.send).to.deep.equal([]);
    expect(none.state).to.deep.equal(behavior.initialState());
  });

  it('a charge in doubt: asked again after the settle delay, the orphan voided, the next charge under a new key', async () => {
    behavior = createPaymentBehavior(fake.provider, { settleAfterMs: 1234 });
    fake.charge.resolves({ status: 'unavailable', retryAfterSeconds: 5, inDoubt: true });
    const doubt = await handle(behavior.initialState(), chargePayment);
    expect(doubt.publish).to.deep.equal([]);
    const settle: Message = { type: 'SettleCharge', data: { ...charged, checks: 0 } };
    expect(doubt.send).to.deep.equal([
      toOrder({ outcome: 'unavailable', retryAfterSeconds: 5 }),
      { to: { type: 'payment', key: KEY }, msg: settle, delayMs: 1234 },
    ]);

    // Asked again under the same key: it was charged, for no order.
    fake.charge.resetHistory();
    fake.charge.resolves({ status: 'approved', chargeId: 'ch-9' });
    const found = await handle(doubt.state, settle);
    expect(fake.charge.firstCall.args[0]).to.include({ idempotencyKey: `charge:${KEY}`, token: 'tok_visa' });
    expect(found.publish, 'nothing for my page: no order was placed').to.deep.equal([]);
    expect(found.send).to.deep.equal([
      { to: { type: 'payment', key: KEY }, msg: { type: 'VoidCharge', data: { checks: 0 } } },
    ]);

    fake.refund.resolves({ status: 'succeeded', refundId: 'rf-9' });
    const voided = await handle(found.state, { type: 'VoidCharge', data: { checks: 0 } });
    expect(
      fake.refund.calledOnceWithExactly({
        idempotencyKey: `refund:${KEY}`,
        chargeId: 'ch-9',
        amount: 99_800,
      }),
    ).to.equal(true);
    expect(voided.publish).to.deep.equal([]);
    expect(voided.send).to.deep.equal([]);

    // The customer places the order again: a new charge, under its own key.
    fake.charge.resetHistory();
    fake.charge.resolves({ status: 'approved', chargeId: 'ch-10' });
    const placed = await handle(voided.state, chargePayment);
    expect(fake.charge.firstCall.args[0]).to.include({ idempotencyKey: `charge:${KEY}:2` });
    expect(placed.send).to.deep.equal([toOrder({ outcome: 'approved', chargeId: 'ch-10' })]);
    fake.refund.resetHistory();
    fake.refund.resolves({ status: 'succeeded', refundId: 'rf-10' });
    await handle(placed.state, refundPayment);
    expect(fake.refund.firstCall.args[0]).to.deep.equal({
      idempotencyKey: `refund:${KEY}:2`,
      chargeId: 'ch-10',
      amount: 99_800,
    });
  });

  it('decode rejects a malformed command with a TerminalError', () => {
    expect(() => behavior.decode({ type: 'ChargePayment', data: { orderId: KEY } })).to.throw(TerminalError);
    expect(() =>
      behavior.decode({
        type: 'ChargePayment',
        data: { ...(chargePayment.data as object), currency: 'euro' },
      }),
    ).to.throw(TerminalError);
    expect(() => behavior.decode({ type: 'Refund', data: {} })).to.throw(
      TerminalError,
      /payment cannot decode/,
    );
    expect(behavior.decode(refundPayment)).to.deep.equal(refundPayment);
  });
});
