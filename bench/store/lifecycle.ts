/**
 * One complete order lifecycle through the REST API, as the customer, the staff and the courier
 * would drive it: place (201), accept and pack (202 each, retried while the store has not yet
 * received the order), complete the delivery (retried until it has started), then wait until
 * the order is `Delivered`. Optionally watches the customer's my page meanwhile and records, for
 * each status, how long after the change (its history `at`) it first showed there.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { StoreClient } from '../../test/support/store-process.js';

/** The order statuses of a lifecycle, as my page's history labels them. */
export const LABELS = ['Ordered', 'Accepted', 'Packed', 'DeliveryStarted', 'Delivered'] as const;
export type Label = (typeof LABELS)[number];

export interface LifecycleResult {
  readonly orderId: string;
  readonly ms: number;
  /** Per label: ms from the change to its first sight on my page (only when watched). */
  readonly visibleAfterMs: Partial<Record<Label, number>>;
}

export class LifecycleError extends Error {
  override readonly name = 'LifecycleError';
  readonly code = 'lifecycle';
}

const STAFF = { sub: 'bench-staff', role: 'staff' };
const COURIER = { sub: 'courier-1', role: 'courier' };
const ORDER = { productId: 'wm-100', quantity: 1, paymentToken: 'tok_visa', address: '1 Bench Street' };

export interface LifecycleOptions {
  /** Between retries of a step and polls of the order's status. */
  readonly pollMs: number;
  /** Between polls of my page (when watching). */
  readonly watchPollMs?: number;
  readonly timeoutMs: number;
  readonly watch: boolean;
}

/** Repeat `call` every pollMs while it answers `retryOn`; anything but `want` is an error. */
async function until(
  call: () => Promise<{ status: number; body: unknown }>,
  want: number,
  retryOn: number,
  o: LifecycleOptions,
  what: string,
): Promise<unknown> {
  const deadline = Date.now() + o.timeoutMs;
  for (;;) {
    const r = await call();
    if (r.status === want) return r.body;
    if (r.status !== retryOn || Date.now() > deadline) {
      throw new LifecycleError(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
    }
    await delay(o.pollMs);
  }
}

interface MyPage {
  readonly history?: readonly { readonly status: string; readonly at: string }[];
}

/** Poll my page until every label has shown; returns ms from each change to its first sight. */
async function watchMyPage(
  client: StoreClient,
  customer: { sub: string; role: string },
  orderId: string,
  o: LifecycleOptions,
  stop: () => boolean,
): Promise<Partial<Record<Label, number>>> {
  const seen: Partial<Record<Label, number>> = {};
  const deadline = Date.now() + o.timeoutMs;
  while (Date.now() < deadline) {
    const r = await client.call<MyPage>('GET', `/myPages/${orderId}`, customer);
    const now = Date.now();
    if (r.status === 200) {
      for (const h of r.body.history ?? []) {
        const label = LABELS.find((l) => l === h.status);
        if (label && seen[label] === undefined) seen[label] = Math.max(0, now - Date.parse(h.at));
      }
      if (LABELS.every((l) => seen[l] !== undefined)) return seen;
    } else if (r.status !== 404) {
      throw new LifecycleError(`my page of ${orderId}: ${r.status}`);
    }
    if (stop()) break;
    await delay(o.watchPollMs ?? o.pollMs);
  }
  throw new LifecycleError(
    `my page of ${orderId} did not show ${LABELS.filter((l) => seen[l] === undefined).join(', ')}`,
  );
}

export async function lifecycle(
  client: StoreClient,
  customerId: string,
  o: LifecycleOptions,
): Promise<LifecycleResult> {
  const started = Date.now();
  const customer = { sub: customerId, role: 'customer' };
  const placed = (await until(
    () => client.call('POST', '/orders', customer, ORDER),
    201,
    -1,
    o,
    'place',
  )) as {
    orderId: string;
  };
  const id = placed.orderId;
  let gaveUp = false;
  const watching = o.watch ? watchMyPage(client, customer, id, o, () => gaveUp) : null;
  try {
    await until(() => client.call('POST', `/ordermanagements/${id}/accept`, STAFF), 202, 404, o, 'accept');
    await until(() => client.call('POST', `/ordermanagements/${id}/pack`, STAFF), 202, -1, o, 'pack');
    await until(() => client.call('POST', `/deliveries/${id}/complete`, COURIER), 202, 404, o, 'complete');
    const deadline = Date.now() + o.timeoutMs;
    for (;;) {
      const r = await client.call<{ status: string }>('GET', `/orders/${id}`, customer);
      if (r.status === 200 && r.body.status === 'Delivered') break;
      if (Date.now() > deadline)
        throw new LifecycleError(`order ${id} not Delivered: ${JSON.stringify(r.body)}`);
      await delay(o.pollMs);
    }
  } catch (err) {
    gaveUp = true;
    await watching?.catch(() => undefined);
    throw err;
  }
  const ms = Date.now() - started;
  const visibleAfterMs = watching ? await watching : {};
  return { orderId: id, ms, visibleAfterMs };
}
