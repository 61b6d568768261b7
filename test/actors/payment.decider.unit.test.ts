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
  settleAfterMs: 60_000,
});
const refund = (result: Extract<PaymentInput, { type: 'RefundPayment' }>['refund']): PaymentInput => ({
  type: 'RefundPayment',
  refund: result,
});

const approvedEvent: PaymentEvent = { type: 'PaymentApproved', data: { ...money, chargeId: 'ch-1' } };
const declinedEvent: PaymentEvent = { type: 'PaymentDeclined', data: money };
const refundedEvent: PaymentEvent = { type: 'PaymentRefunded', data: { ...money, refundId: 'rf-1' } };
const voidIt = (
  result: Extract<PaymentInput, { type: 'VoidCharge' }>['refund'],
  checks = 0,
): PaymentInput => ({ type: 'VoidCharge', data: { checks }, refund: result });
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

  describe('a charge in doubt (the request may have reached the provider)', () => {
    const unavailable: PaymentEvent = { type: 'ChargeUnavailable', data: { retryAfterSeconds: 5 } };
    const inDoubt: PaymentEvent = {
      type: 'ChargeInDoubt',
      data: { ...data, checks: 0, afterMs: 60_000 },
    };
    const settle = (
      result: Extract<PaymentInput, { type: 'SettleCharge' }>['charge'],
      checks = 0,
    ): PaymentInput => ({ type: 'SettleCharge', data: { ...data, checks }, charge: result });
    const orphan: PaymentEvent = { type: 'OrphanCharged', data: { ...money, chargeId: 'ch-1' } };

    it('unavailable in doubt: the customer is told, and the provider will be asked again', () => {
      given([])
        .when(charge({ status: 'unavailable', retryAfterSeconds: 5, inDoubt: true }))
        .then([unavailable, inDoubt])
        .state({ status: 'None', inDoubt: true });
    });

    it('unavailable surely not sent (circuit open, refused): nothing to settle', () => {
      given([])
        .when(charge({ status: 'unavailable', retryAfterSeconds: 5, inDoubt: false }))
        .then([unavailable])
        .state({ status: 'None', version: 1 });
    });

    it('asked again: charged after all, for no order: an orphan, to be voided', () => {
      given([unavailable, inDoubt])
        .when(settle({ status: 'approved', chargeId: 'ch-1' }))
        .then([orphan])
        .state({ status: 'Approved', orphan: true, chargeId: 'ch-1' });
    });

    it('asked again: not charged, or the provider still cannot say (asked later)', () => {
      const t = given([unavailable, inDoubt]).when(settle({ status: 'declined' }));
      t.then([{ type: 'ChargeSettled', data: {} }]);
      expect(t.after).to.not.have.property('inDoubt');
      given([unavailable, inDoubt])
        .when(settle({ status: 'unavailable', retryAfterSeconds: 5, inDoubt: true }, 2))
        .then([{ type: 'SettleDeferred', data: { ...data, checks: 3 } }])
        .state({ status: 'None', inDoubt: true });
    });

    it('settled meanwhile (the customer retried, same key): asking again does nothing', () => {
      given([unavailable, inDoubt, approvedEvent]).when(settle(null)).thenNothing();
    });

    it('the orphan is voided; the next charge of the order is a new one (attempt 2)', () => {
      given([unavailable, inDoubt, orphan])
        .when(voidIt({ status: 'succeeded', refundId: 'rf-1' }))
        .then([{ type: 'ChargeVoided', data: { refundId: 'rf-1' } }])
        .state({ status: 'None', attempt: 2 });
      given([unavailable, inDoubt, orphan])
        .when(voidIt({ status: 'unavailable', retryAfterSeconds: 5 }, 1))
        .then([{ type: 'VoidDeferred', data: { checks: 2 } }])
        .state({ status: 'Approved', orphan: true });
    });

    it('placed again (same key) before the void: the charge is the order’s after all', () => {
      given([unavailable, inDoubt, orphan])
        .when(charge(null))
        .then([approvedEvent])
        .state({ status: 'Approved', chargeId: 'ch-1' });
      const adopted = given([unavailable, inDoubt, orphan, approvedEvent]);
      expect(adopted.state).to.not.have.property('orphan');
      adopted.when(voidIt(null)).thenNothing();
    });

    it('placed again while a void attempt’s outcome is unknown: not adopted (it may be refunded), retry later', () => {
      given([unavailable, inDoubt, orphan, { type: 'VoidDeferred', data: { checks: 1 } }])
        .when(charge(null))
        .then([{ type: 'ChargeUnavailable', data: { retryAfterSeconds: 5 } }])
        .state({ status: 'Approved', orphan: true, refundFailures: 1 });
    });

    it('a cancellation never refunds an orphan (only the void does)', () => {
      given([unavailable, inDoubt, orphan])
        .when(refund({ status: 'succeeded', refundId: 'rf-x' }))
        .thenNothing();
    });
  });

  describe('AbandonCharge (the order was approved after the customer was told no order was placed)', () => {
    const abandon: PaymentInput = { type: 'AbandonCharge' };
    const abandoned: PaymentEvent = { type: 'ChargeAbandoned', data: {} };

    it('an approved charge becomes an orphan, voided like one; a same-key retry may still adopt it', () => {
      given([approvedEvent]).when(abandon).then([abandoned]).state({ status: 'Approved', orphan: true });
      given([approvedEvent, abandoned])
        .when(voidIt({ status: 'succeeded', refundId: 'rf-1' }))
        .then([{ type: 'ChargeVoided', data: { refundId: 'rf-1' } }])
        .state({ status: 'None', attempt: 2 });
      given([approvedEvent, abandoned]).when(charge(null)).then([approvedEvent]);
    });

    it('anything else is left alone: no charge, a declined one, an orphan already, a refunded one', () => {
      given([]).when(abandon).thenNothing();
      given([declinedEvent]).when(abandon).thenNothing();
      given([approvedEvent, abandoned]).when(abandon).thenNothing();
      given([approvedEvent, refundedEvent]).when(abandon).thenNothing();
    });
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
