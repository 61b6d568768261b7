import { expect } from 'chai';
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

/** Place, accept and pack an order: its delivery has started. */
export async function orderInDelivery(f: ApiFixture, customer: string): Promise<string> {
  const id = await placeOrder(f, customer);
  const staff = await f.tokenFor('staff-1', 'staff');
  expect((await f.request('POST', `/ordermanagements/${id}/accept`, { token: staff })).status).to.equal(202);
  expect((await f.request('POST', `/ordermanagements/${id}/pack`, { token: staff })).status).to.equal(202);
  return id;
}
