import { createHash, randomBytes } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { IdempotencyKeyReusedError } from './errors.js';

/** How long an Idempotency-Key is remembered. */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 3600;

/** Stable JSON: keys sorted, so the same body hashes the same whatever the field order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function bodyHash(body: unknown): string {
  return createHash('sha256').update(canonical(body)).digest('base64url');
}

/** A fresh order id for a request without an Idempotency-Key. */
export function randomOrderId(): string {
  return `ord_${randomBytes(12).toString('base64url')}`;
}

/**
 * The order id for (customer, key): deterministic, so a retry after a lost reply (or after the
 * Redis record expired) addresses the same order actor, which answers with the same outcome.
 */
export function orderIdFor(customerId: string, key: string): string {
  return `ord_${createHash('sha256').update(`${customerId}\u0000${key}`).digest('base64url').slice(0, 24)}`;
}

/**
 * Where the edge keeps a key's record: named by the same hash of (customer, key) as the order, so
 * that no (customer, key) pair can name another's record, whatever characters the two contain.
 */
export function idempotencyRecordKey(keyPrefix: string, customerId: string, key: string): string {
  return `${keyPrefix}:idem:${orderIdFor(customerId, key)}`;
}

interface Record_ {
  readonly bodyHash: string;
  readonly orderId: string;
}

/** The order id a key stands for; `replay`: the key was claimed before (this is a retry). */
export interface Claim {
  readonly orderId: string;
  readonly replay: boolean;
}

/**
 * Claims `key` for this body, or checks a previous claim: returns the order id to use, or
 * throws IdempotencyKeyReusedError when the key was used with a different body.
 */
export async function claimIdempotencyKey(
  redis: Redis | Cluster,
  keyPrefix: string,
  customerId: string,
  key: string,
  hash: string,
): Promise<Claim> {
  const redisKey = idempotencyRecordKey(keyPrefix, customerId, key);
  const mine: Record_ = { bodyHash: hash, orderId: orderIdFor(customerId, key) };
  const set = await redis.set(redisKey, JSON.stringify(mine), 'EX', IDEMPOTENCY_TTL_SECONDS, 'NX');
  if (set === 'OK') return { orderId: mine.orderId, replay: false };
  const raw = await redis.get(redisKey);
  if (raw === null) {
    // Expired between SET and GET: claim again (rare; the order id is the same either way).
    return claimIdempotencyKey(redis, keyPrefix, customerId, key, hash);
  }
  const prior = JSON.parse(raw) as Record_;
  if (prior.bodyHash !== hash) {
    throw new IdempotencyKeyReusedError('this Idempotency-Key was used with a different body; use a new key');
  }
  return { orderId: prior.orderId, replay: true };
}

/**
 * Drops a claim that turned out wrong: the order its key stands for was placed with another body
 * (the first claim's record had expired). Without this, a retry of the wrong body would read as a
 * replay. Only a record holding this body's hash is dropped.
 */
export async function forgetIdempotencyKey(
  redis: Redis | Cluster,
  keyPrefix: string,
  customerId: string,
  key: string,
  hash: string,
): Promise<void> {
  const redisKey = idempotencyRecordKey(keyPrefix, customerId, key);
  const raw = await redis.get(redisKey);
  if (raw !== null && (JSON.parse(raw) as Record_).bodyHash === hash) await redis.del(redisKey);
}
