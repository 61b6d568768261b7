/**
 * Customers for the failover test: each keeps placing orders, retries a failed placement with the
 * same Idempotency-Key (as API.md tells a customer to), and drives a share of its orders on
 * (cancel, or accept and pack as staff). Every answer is recorded with its time, so the test can
 * find the unavailability window and check what was acknowledged.
 */
import { randomUUID } from 'node:crypto';
import type { StoreClient } from '../support/store-process.js';

export interface Attempt {
  readonly start: number;
  readonly end: number;
  /** HTTP status, or 0 when the request failed or timed out without an answer. */
  readonly status: number;
}

export interface Placed {
  readonly orderId: string;
  readonly customer: string;
  readonly idempotencyKey: string;
  /** When the 201 arrived. */
  readonly at: number;
  /** What the test asked for next (the load does it, possibly after the failover). */
  readonly plan: 'cancel' | 'pack' | 'keep';
}

export interface LoadLog {
  readonly attempts: Attempt[];
  readonly placed: Placed[];
  /** Follow-up calls (cancel, accept, pack) that got no 2xx/409 in the end. */
  readonly followUpFailures: string[];
}

const REQUEST_TIMEOUT_MS = 10_000;
const staff = { sub: 'staff-1', role: 'staff' };

/** One call with a client-side timeout: a timed-out request may still take effect (status 0). */
async function call(
  client: StoreClient,
  method: string,
  path: string,
  as: { sub: string; role: string },
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: unknown }> {
  const h: Record<string, string> = {
    ...headers,
    authorization: `Bearer ${await client.token(as.sub, as.role)}`,
  };
  if (body !== undefined) h['content-type'] = 'application/json';
  try {
    const res = await fetch(`${client.baseUrl}${path}`, {
      method,
      headers: h,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as unknown) : null };
  } catch {
    return { status: 0, body: null };
  }
}

/** Retry a follow-up until it is taken (2xx) or refused for good (409), within a deadline. */
async function followUp(
  client: StoreClient,
  log: LoadLog,
  what: string,
  fn: () => Promise<number>,
): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const status = await fn();
    if ((status >= 200 && status < 300) || status === 409) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  log.followUpFailures.push(what);
}

/** Place one order, retrying with the same key until a 201 (or a 402, which the test never causes). */
async function placeOne(
  client: StoreClient,
  log: LoadLog,
  customer: string,
  plan: Placed['plan'],
  stop: () => boolean,
): Promise<void> {
  const idempotencyKey = randomUUID();
  const body = { productId: 'wm-100', quantity: 1, paymentToken: 'tok_visa', address: '1 Main Street' };
  for (;;) {
    const start = Date.now();
    const r = await call(client, 'POST', '/orders', { sub: customer, role: 'customer' }, body, {
      'idempotency-key': idempotencyKey,
    });
    log.attempts.push({ start, end: Date.now(), status: r.status });
    if (r.status === 201) {
      const orderId = (r.body as { orderId: string }).orderId;
      log.placed.push({ orderId, customer, idempotencyKey, at: Date.now(), plan });
      return drive(client, log, customer, orderId, plan);
    }
    if (r.status >= 400 && r.status < 500 && r.status !== 429)
      throw new Error(`POST /orders answered ${r.status}: ${JSON.stringify(r.body)}`);
    // 503, 5xx, or no answer: the customer tries again with the same key, unless the run is over
    // (then a key may have taken effect without a 201: the test's checks allow for that).
    if (stop()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function drive(
  client: StoreClient,
  log: LoadLog,
  customer: string,
  orderId: string,
  plan: Placed['plan'],
): Promise<void> {
  switch (plan) {
    case 'keep':
      return;
    case 'cancel':
      return followUp(
        client,
        log,
        `cancel ${orderId}`,
        async () =>
          (await call(client, 'POST', `/orders/${orderId}/cancel`, { sub: customer, role: 'customer' }))
            .status,
      );
    case 'pack':
      // The store hears of the order asynchronously: 404 until it has (followUp retries); 409 on a
      // retry means an earlier, unanswered accept took effect.
      await followUp(client, log, `accept ${orderId}`, async () => {
        const s = (await call(client, 'POST', `/ordermanagements/${orderId}/accept`, staff)).status;
        return s === 404 ? 500 : s;
      });
      return followUp(
        client,
        log,
        `pack ${orderId}`,
        async () => (await call(client, 'POST', `/ordermanagements/${orderId}/pack`, staff)).status,
      );
    default: {
      const never: never = plan;
      return never;
    }
  }
}

/**
 * `clients` customers placing orders until `stop()`. The log fills as answers arrive; `done`
 * resolves when every customer has finished (its last order driven).
 */
export function startLoad(
  client: StoreClient,
  clients: number,
  stop: () => boolean,
): { log: LoadLog; done: Promise<void> } {
  const log: LoadLog = { attempts: [], placed: [], followUpFailures: [] };
  const plans: readonly Placed['plan'][] = ['cancel', 'pack', 'keep'];
  const done = Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      for (let i = 0; !stop(); i++)
        await placeOne(client, log, `failover-c${c}`, plans[i % plans.length]!, stop);
    }),
  ).then(() => undefined);
  return { log, done };
}

/** When the first 201 of a request started after `at` arrived, or null if none has yet. */
export function firstOkAfter(log: LoadLog, at: number): number | null {
  const ends = log.attempts.filter((a) => a.status === 201 && a.start > at).map((a) => a.end);
  return ends.length > 0 ? Math.min(...ends) : null;
}

/**
 * How the fault looked to customers: the longest time without any 201 (between consecutive
 * successful answers, from the first one on) and the slowest single request. Orders whose actors
 * live on the surviving masters keep succeeding, so the store is partly, not wholly, unavailable.
 */
export function stalls(log: LoadLog): {
  longestGapMs: number;
  slowestRequestMs: number;
  failedAttempts: number;
} {
  const oks = log.attempts
    .filter((a) => a.status === 201)
    .map((a) => a.end)
    .sort((a, b) => a - b);
  let longestGapMs = 0;
  for (let i = 1; i < oks.length; i++) longestGapMs = Math.max(longestGapMs, oks[i]! - oks[i - 1]!);
  const slowestRequestMs = Math.max(0, ...log.attempts.map((a) => a.end - a.start));
  return {
    longestGapMs,
    slowestRequestMs,
    failedAttempts: log.attempts.filter((a) => a.status !== 201).length,
  };
}
