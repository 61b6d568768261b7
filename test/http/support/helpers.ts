import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { waitFor } from '../../support/processes.js';
import type { ApiFixture, ApiResponse } from './fixture.js';

/** Assert an RFC 9457 problem with this status and code. */
export function expectProblem(res: ApiResponse, status: number, code: string): Record<string, unknown> {
  expect(res.status, `${res.status} ${res.text}`).to.equal(status);
  expect(res.headers.get('content-type')).to.match(/^application\/problem\+json/);
  const body = res.body as Record<string, unknown>;
  expect(body).to.include({ status, code });
  expect(body.type).to.be.a('string');
  expect(body.title).to.be.a('string');
  expect(body.detail).to.be.a('string');
  return body;
}

export const ADDRESS = '1 Main Street, Springfield';

/** A user id no other test of the same store uses (read models are shared within a store). */
export function uniqueUser(base: string): string {
  return `${base}-${randomBytes(4).toString('hex')}`;
}

export function orderBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { productId: 'wm-100', quantity: 2, paymentToken: 'tok_visa', address: ADDRESS, ...overrides };
}

/** Place an order as `customer` and return its id (asserts 201). */
export async function placeOrder(
  f: ApiFixture,
  customer: string,
  overrides: Record<string, unknown> = {},
): Promise<string> {
  const res = await f.request('POST', '/orders', {
    token: await f.tokenFor(customer, 'customer'),
    body: orderBody(overrides),
  });
  expect(res.status, res.text).to.equal(201);
  return (res.body as { orderId: string }).orderId;
}

/**
 * A staff step once the store has the order: the store hears of a paid order through the event
 * streams (eventually), so until then the step is an honest 404; poll past that, then return.
 */
export async function storeStep(f: ApiFixture, id: string, step: 'accept' | 'pack'): Promise<ApiResponse> {
  const staff = await f.tokenFor('staff-1', 'staff');
  return waitFor(
    async () => {
      const res = await f.request('POST', `/ordermanagements/${id}/${step}`, { token: staff });
      return res.status === 404 ? null : res;
    },
    { what: `${step} of ${id} reaching the store` },
  );
}

/** The delivery of an order once it has started (the delivery actor hears of packing eventually). */
export async function startedDelivery(
  f: ApiFixture,
  id: string,
): Promise<{ courierId: string; status: string }> {
  const staff = await f.tokenFor('staff-1', 'staff');
  return waitFor(
    async () => {
      const res = await f.request('GET', `/deliveries/${id}`, { token: staff });
      return res.status === 200 ? (res.body as { courierId: string; status: string }) : null;
    },
    { what: `the delivery of ${id}` },
  );
}

/** Place, accept and pack an order; returns once its delivery has started. */
export async function orderInDelivery(f: ApiFixture, customer: string): Promise<string> {
  const id = await placeOrder(f, customer);
  expect((await storeStep(f, id, 'accept')).status).to.equal(202);
  expect((await storeStep(f, id, 'pack')).status).to.equal(202);
  expect((await startedDelivery(f, id)).status).to.equal('Started');
  return id;
}

/** The order's status as its owner sees it. */
export async function orderStatus(f: ApiFixture, id: string, customer: string): Promise<string> {
  const res = await f.request('GET', `/orders/${id}`, { token: await f.tokenFor(customer, 'customer') });
  return (res.body as { status: string }).status;
}

/** Poll until the owner sees the order in `status`. */
export async function waitForOrderStatus(
  f: ApiFixture,
  id: string,
  customer: string,
  status: string,
): Promise<void> {
  await waitFor(async () => (await orderStatus(f, id, customer)) === status, {
    what: `order ${id} ${status}`,
  });
}

/** How the payment provider's books show an order: its charge and refund records. */
export async function pspBooks(
  f: ApiFixture,
  id: string,
): Promise<{ charge: { requests: number } | undefined; refund: { requests: number } | undefined }> {
  const stats = await f.psp.stats();
  return { charge: stats.charges[`charge:${id}`], refund: stats.refunds[`refund:${id}`] };
}
