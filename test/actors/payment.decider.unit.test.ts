import { expect } from 'chai';
import { paymentDecider } from '../../actors/payment/decider.js';
import { refundRetryDelayMs, type PaymentEvent, type PaymentInput } from '../../actors/payment/state.js';
import { paymentView } from '../../actors/payment/view.js';
import { KEY, scenario } from './given.js';

const { given } = scenario(paymentDecider);

const data = { orderId: KEY, customerId: 'c-1', amount: 99_800, currency: 'EUR', paymentToken: 'tok_visa' };
const money = { customerId: 'c-1', amount: 99_800, currency: 'EUR' };
const charge = (result: Extract<PaymentInput, { type: 'ChargePayment' }>['charge']): PaymentInput => ({
  type: 'ChargePayment',
  data,
  charge: result,
});
const refund = (result: Extract<PaymentInput, { type: 'RefundPayment' }>['refund']): PaymentInput => ({
  type: 'RefundPayment',
  refund: result,
});

const approvedEvent: PaymentEvent = { type: 'PaymentApproved', data: { ...money, chargeId: 'ch-1' } };
const declinedEvent: PaymentEvent = { type: 'PaymentDeclined', data: money };
const refundedEvent: PaymentEvent = { type: 'PaymentRefunded', data: { ...money, refundId: 'rf-1' } };
const deferred = (failures: number): PaymentEvent => ({ type: 'RefundDeferred', data: { failures } });

describe('payment decider', () => {
  describe('ChargePayment', () => {
    it('approved: the payment is approved with its charge id', () => {
      given([])
        .when(charge({ status: 'approved', chargeId: 'ch-1' }))
        .then([approvedEvent])
        .reply(undefined)
        .state({ status: 'Approved', chargeId: 'ch-1', refundFailures: 0, orderId: KEY, version: 1 });
    });

    it('declined: the payment is declined', () => {
      given([])
        .when(charge({ status: 'declined' }))
        .then([declinedEvent])
        .state({ status: 'Declined', version: 1 });
    });

    it('unavailable: nothing is charged, the state stays None (an internal event carries the answer)', () => {
      given([])
        .when(charge({ status: 'unavailable', retryAfterSeconds: 7 }))
        .then([{ type: 'ChargeUnavailable', data: { retryAfterSeconds: 7 } }])
        .state({ status: 'None' });
    });

    for (const [name, history] of [
      ['approved', [approvedEvent]],
      ['declined', [declinedEvent]],
      ['refunded', [approvedEvent, refundedEvent]],
    ] as const) {
      it(`already ${name}: repeats the outcome without a new charge`, () => {
        const t = given(history)
          .when(charge(null))
          .then([{ type: 'ChargeOutcomeRepeated', data: {} }]);
        expect({ ...t.after, version: 0 }).to.deep.equal({ ...t.before, version: 0 });
      });
    }
  });

  describe('RefundPayment', () => {
    it('approved and the provider refunds: Refunded', () => {
      given([approvedEvent])
        .when(refund({ status: 'succeeded', refundId: 'rf-1' }))
        .then([refundedEvent])
        .state({ status: 'Refunded', refundId: 'rf-1', chargeId: 'ch-1' });
    });

    it('approved and the provider is unavailable: counts the failure (the policy retries)', () => {
      given([approvedEvent])
        .when(refund({ status: 'unavailable', retryAfterSeconds: 1 }))
        .then([deferred(1)])
        .state({ status: 'Approved', refundFailures: 1 });
      given([approvedEvent, deferred(1), deferred(2)])
        .when(refund({ status: 'unavailable', retryAfterSeconds: 1 }))
        .then([deferred(3)])
        .state({ status: 'Approved', refundFailures: 3 });
    });

    it('after earlier failures the refund still succeeds', () => {
      given([approvedEvent, deferred(1), deferred(2)])
        .when(refund({ status: 'succeeded', refundId: 'rf-1' }))
        .then([refundedEvent])
        .state({ status: 'Refunded' });
    });

    for (const [name, history] of [
      ['no payment', []],
      ['a declined payment', [declinedEvent]],
      ['a refunded payment', [approvedEvent, refundedEvent]],
    ] as const) {
      it(`${name}: nothing (never refunded twice)`, () => {
        given(history).when(refund(null)).thenNothing();
      });
    }
  });

  it('the refund back-off doubles from 500 ms and stops at one minute', () => {
    expect([1, 2, 3, 4, 7, 8, 50].map(refundRetryDelayMs)).to.deep.equal([
      500, 1000, 2000, 4000, 32_000, 60_000, 60_000,
    ]);
    expect(refundRetryDelayMs(0)).to.equal(500);
  });

  describe('paymentView', () => {
    it('is null when nothing was charged', () => {
      expect(paymentView(given([]).state)).to.equal(null);
    });

    it('shows the status and the money', () => {
      const expected = { orderId: KEY, customerId: 'c-1', amount: 99_800, currency: 'EUR' };
      expect(paymentView(given([approvedEvent]).state)).to.deep.equal({ ...expected, status: 'Approved' });
      expect(paymentView(given([declinedEvent]).state)).to.deep.equal({ ...expected, status: 'Declined' });
      expect(paymentView(given([approvedEvent, refundedEvent]).state)).to.deep.equal({
        ...expected,
        status: 'Refunded',
      });
    });
  });

  it('evolve ignores events that do not fit the state', () => {
    expect(given([refundedEvent]).state).to.deep.equal({ status: 'None', version: 1 });
    expect(given([declinedEvent, deferred(1)]).state).to.include({ status: 'Declined', version: 2 });
  });
});
