/**
 * The built-in simulator's books in the store's Redis, so that every payment process of the store,
 * before and after a restart, sees the same charges: a refund may run in another process than its
 * charge. Same rules and answers as the in-memory PaymentLedger (ledger.ts); each call is one Lua
 * script, so two concurrent calls with one idempotency key book one charge (or refund).
 *
 * Every key shares the hash tag `{psp-sim}` (one Redis Cluster slot, so one script may touch them
 * all). Each record expires `retentionMs` after its last write (30 days by default; a refund
 * renews its charge), so the books do not grow without end.
 */
import { randomUUID } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { Script } from '../../streams/scripts.js';
import {
  DECLINED_TOKEN,
  refusal,
  type ChargeOutcome,
  type ChargeRecord,
  type RefundOutcome,
  type RefundRecord,
} from './ledger.js';
import type { ChargeRequest, RefundRequest } from './port.js';

/** The ioredis clients the simulator's books accept: a single node or a cluster. */
export type RedisClient = Redis | Cluster;

/** How long a record of the books outlives its last write by default: 30 days. */
export const DEFAULT_LEDGER_RETENTION_MS = 30 * 24 * 3600 * 1000;

/** Every key of the simulator's books, under the store's key prefix. */
export function ledgerKeys(prefix: string) {
  const root = `${prefix}:{psp-sim}`;
  return {
    /** Hash: chargeId status amount currency token requests. */
    chargeByKey: (idempotencyKey: string) => `${root}:charge:${idempotencyKey}`,
    /** Hash: status amount refunded (what refunds check). */
    chargeById: (chargeId: string) => `${root}:charge-id:${chargeId}`,
    /** Hash: refundId chargeId amount requests. */
    refundByKey: (idempotencyKey: string) => `${root}:refund:${idempotencyKey}`,
  };
}

export interface RedisLedgerOptions {
  readonly redis: RedisClient;
  /** The store's key prefix (config `KEY_PREFIX`). */
  readonly keyPrefix: string;
  /** How long each record outlives its last write; default 30 days (DEFAULT_LEDGER_RETENTION_MS). */
  readonly retentionMs?: number;
}

/** Read on first use, so that importing outbound/ never needs the .lua files. */
let scripts: { readonly charge: Script; readonly refund: Script } | null = null;
function ledgerScripts(): NonNullable<typeof scripts> {
  const lua = (name: string) => Script.fromFile(new URL(`./${name}.lua`, import.meta.url));
  scripts ??= { charge: lua('ledger-charge-2'), refund: lua('ledger-refund-2') };
  return scripts;
}

type Reply = [string, string?, string?];

export class RedisPaymentLedger {
  private readonly redis: RedisClient;
  private readonly keys: ReturnType<typeof ledgerKeys>;
  private readonly retentionMs: number;
  private readonly scripts = ledgerScripts();

  constructor({ redis, keyPrefix, retentionMs = DEFAULT_LEDGER_RETENTION_MS }: RedisLedgerOptions) {
    this.redis = redis;
    this.keys = ledgerKeys(keyPrefix);
    this.retentionMs = retentionMs;
  }

  /** Books the charge, or answers the first charge made with this key. Rejects on Redis errors. */
  async charge(req: ChargeRequest): Promise<ChargeOutcome> {
    const chargeId = `ch_${randomUUID()}`;
    const status = req.token === DECLINED_TOKEN ? 'declined' : 'approved';
    const [code, id, seenStatus] = (await this.scripts.charge.run(
      this.redis,
      [this.keys.chargeByKey(req.idempotencyKey), this.keys.chargeById(chargeId)],
      [chargeId, req.amount, req.currency, req.token, status, this.retentionMs],
    )) as Reply;
    if (code === 'ok' && id && (seenStatus === 'approved' || seenStatus === 'declined')) {
      return { ok: true, chargeId: id, status: seenStatus };
    }
    if (code === 'idempotency-key-reused') {
      return refusal(code, `key ${req.idempotencyKey} was used for another charge`);
    }
    throw new Error(`unexpected reply of ${this.scripts.charge.name}: ${code}`);
  }

  /** Books the refund, or answers the first refund made with this key. Rejects on Redis errors. */
  async refund(req: RefundRequest): Promise<RefundOutcome> {
    const refundId = `re_${randomUUID()}`;
    const [code, value] = (await this.scripts.refund.run(
      this.redis,
      [this.keys.refundByKey(req.idempotencyKey), this.keys.chargeById(req.chargeId)],
      [refundId, req.chargeId, req.amount, this.retentionMs],
    )) as Reply;
    switch (code) {
      case 'ok':
        return { ok: true, refundId: value ?? refundId, status: 'succeeded' };
      case 'idempotency-key-reused':
        return refusal(code, `key ${req.idempotencyKey} was used for another refund`);
      case 'unknown-charge':
        return refusal(code, `no charge ${req.chargeId}`);
      case 'charge-not-approved':
        return refusal(code, `charge ${req.chargeId} was declined`);
      case 'amount-exceeds-charge':
        return refusal(code, `refunds of ${req.chargeId} would exceed ${value}`);
      default:
        throw new Error(`unexpected reply of ${this.scripts.refund.name}: ${code}`);
    }
  }

  /** The charge booked with this idempotency key, or undefined (never booked, or expired). */
  async chargeRecord(idempotencyKey: string): Promise<ChargeRecord | undefined> {
    const h = await this.redis.hgetall(this.keys.chargeByKey(idempotencyKey));
    if (!h.chargeId) return undefined;
    return {
      chargeId: h.chargeId,
      status: h.status === 'approved' ? 'approved' : 'declined',
      amount: Number(h.amount),
      currency: h.currency ?? '',
      token: h.token ?? '',
      requests: Number(h.requests),
    };
  }

  /** The refund booked with this idempotency key, or undefined (never booked, or expired). */
  async refundRecord(idempotencyKey: string): Promise<RefundRecord | undefined> {
    const h = await this.redis.hgetall(this.keys.refundByKey(idempotencyKey));
    if (!h.refundId) return undefined;
    return {
      refundId: h.refundId,
      chargeId: h.chargeId ?? '',
      amount: Number(h.amount),
      requests: Number(h.requests),
    };
  }
}
