/**
 * The simulated provider's books in memory: charges and refunds by idempotency key, for the HTTP
 * simulator server (psp-server.ts). Every token but `tok_declined` is approved, a key seen before
 * answers what it answered the first time. The in-process simulator keeps the same books, by the
 * same rules, in the store's Redis (redis-ledger.ts); the types here are shared by both.
 */
import { randomUUID } from 'node:crypto';
import type { ChargeRequest, RefundRequest } from './port.js';

/** The token the simulator declines; every other token is approved. */
export const DECLINED_TOKEN = 'tok_declined';

export interface ChargeRecord {
  readonly chargeId: string;
  readonly status: 'approved' | 'declined';
  readonly amount: number;
  readonly currency: string;
  readonly token: string;
  /** Calls with this key that reached the books (the first one charged; the rest replayed). */
  requests: number;
}

export interface RefundRecord {
  readonly refundId: string;
  readonly chargeId: string;
  readonly amount: number;
  requests: number;
}

export type LedgerRefusal = {
  readonly ok: false;
  readonly code:
    'idempotency-key-reused' | 'unknown-charge' | 'charge-not-approved' | 'amount-exceeds-charge';
  readonly message: string;
};

export type ChargeOutcome =
  { readonly ok: true; readonly chargeId: string; readonly status: 'approved' | 'declined' } | LedgerRefusal;

export type RefundOutcome =
  { readonly ok: true; readonly refundId: string; readonly status: 'succeeded' } | LedgerRefusal;

/** A snapshot of the books, keyed by idempotency key (what `GET /_stats` returns). */
export interface LedgerSnapshot {
  readonly charges: Readonly<Record<string, Readonly<ChargeRecord>>>;
  readonly refunds: Readonly<Record<string, Readonly<RefundRecord>>>;
}

export class PaymentLedger {
  private readonly charges = new Map<string, ChargeRecord>();
  private readonly chargesById = new Map<string, ChargeRecord>();
  private readonly refunds = new Map<string, RefundRecord>();
  private readonly refundedByCharge = new Map<string, number>();

  charge(req: ChargeRequest): ChargeOutcome {
    const seen = this.charges.get(req.idempotencyKey);
    if (seen) {
      if (seen.amount !== req.amount || seen.currency !== req.currency || seen.token !== req.token) {
        return refusal('idempotency-key-reused', `key ${req.idempotencyKey} was used for another charge`);
      }
      seen.requests += 1;
      return { ok: true, chargeId: seen.chargeId, status: seen.status };
    }
    const record: ChargeRecord = {
      chargeId: `ch_${randomUUID()}`,
      status: req.token === DECLINED_TOKEN ? 'declined' : 'approved',
      amount: req.amount,
      currency: req.currency,
      token: req.token,
      requests: 1,
    };
    this.charges.set(req.idempotencyKey, record);
    this.chargesById.set(record.chargeId, record);
    return { ok: true, chargeId: record.chargeId, status: record.status };
  }

  refund(req: RefundRequest): RefundOutcome {
    const seen = this.refunds.get(req.idempotencyKey);
    if (seen) {
      if (seen.chargeId !== req.chargeId || seen.amount !== req.amount) {
        return refusal('idempotency-key-reused', `key ${req.idempotencyKey} was used for another refund`);
      }
      seen.requests += 1;
      return { ok: true, refundId: seen.refundId, status: 'succeeded' };
    }
    const charge = this.chargesById.get(req.chargeId);
    if (!charge) return refusal('unknown-charge', `no charge ${req.chargeId}`);
    if (charge.status !== 'approved')
      return refusal('charge-not-approved', `charge ${req.chargeId} was declined`);
    const already = this.refundedByCharge.get(req.chargeId) ?? 0;
    if (already + req.amount > charge.amount) {
      return refusal('amount-exceeds-charge', `refunds of ${req.chargeId} would exceed ${charge.amount}`);
    }
    const record: RefundRecord = {
      refundId: `re_${randomUUID()}`,
      chargeId: req.chargeId,
      amount: req.amount,
      requests: 1,
    };
    this.refunds.set(req.idempotencyKey, record);
    this.refundedByCharge.set(req.chargeId, already + req.amount);
    return { ok: true, refundId: record.refundId, status: 'succeeded' };
  }

  snapshot(): LedgerSnapshot {
    const copy = <V extends object>(m: Map<string, V>): Record<string, V> =>
      Object.fromEntries([...m].map(([k, v]) => [k, { ...v }]));
    return { charges: copy(this.charges), refunds: copy(this.refunds) };
  }
}

/** A refusal of the books: the request is wrong, a retry will not change the answer. */
export function refusal(code: LedgerRefusal['code'], message: string): LedgerRefusal {
  return { ok: false, code, message };
}
