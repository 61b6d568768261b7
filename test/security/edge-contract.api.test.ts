/**
 * What the edge answers to requests its HTTP parser refuses, to input that is not intact text,
 * and to what a call does not take, against the real store: every error is problem+json with an
 * X-Request-Id and one of API.md's codes; a body is read only once the caller may make the call.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { PROBLEM_CODES } from '../../http/errors.js';
import { startFakePsp, type FakePsp } from '../support/fake-psp.js';
import {
  customer,
  orderBody,
  rawRequest,
  startSecureStore,
  type RawResponse,
  type SecureStore,
} from './support.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/**
 * API.md's list of error codes, read from API.md itself (the contract this test holds the edge
 * to), and `internal` for a bug (a 500).
 */
function contractCodes(): string[] {
  const apiMd = readFileSync(fileURLToPath(new URL('../../../../shared/API.md', import.meta.url)), 'utf8');
  const list = /`code` is a stable machine-readable string\s*\(([^)]*)\)/.exec(apiMd)?.[1];
  if (list === undefined)
    throw new Error('API.md no longer lists the error codes where this test reads them');
  return [...list.matchAll(/`([a-z-]+)`/g)].map((m) => m[1]!);
}
const CODES = [...contractCodes(), 'internal'];

function expectRawProblem(res: RawResponse, status: number, code: string): void {
  expect(res.status, res.head).to.equal(status);
  expect(res.headers['content-type'], res.head).to.match(/^application\/problem\+json/);
  expect(res.headers['x-request-id'], res.head).to.match(UUID);
  const body = JSON.parse(res.body) as Record<string, unknown>;
  expect(body).to.include({ status, code });
  expect(body).to.have.all.keys('type', 'title', 'status', 'detail', 'code');
}

describe('security: the edge contract at its limits (real store)', function () {
  this.timeout(60_000);
  let store: SecureStore;
  let psp: FakePsp;
  let token: string;

  before(async () => {
    psp = await startFakePsp();
    store = await startSecureStore({ PSP_URL: psp.url, RATE_LIMIT_PER_MINUTE: '20' });
    token = await store.client.token('edge-contract', 'customer');
  });
  after(async () => {
    await store?.stop();
    await psp?.stop();
  });

  const head = (lines: string): string =>
    `POST /orders HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer ${token}\r\n${lines}\r\n`;

  describe('requests the HTTP parser refuses are problem+json with an X-Request-Id', () => {
    it('a header section over 16 KiB: 431 validation', async () => {
      const res = await rawRequest(
        store.port,
        `GET /products HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Pad: ${'x'.repeat(20_000)}\r\n\r\n`,
      );
      expectRawProblem(res, 431, 'validation');
    });
    it('a chunk size that is not hex: 400 validation', async () => {
      const res = await rawRequest(
        store.port,
        `${head('Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n')}ZZ\r\n{}\r\n0\r\n\r\n`,
      );
      expectRawProblem(res, 400, 'validation');
    });
    it('a method the parser does not know: 400 validation', async () => {
      const res = await rawRequest(
        store.port,
        'FOO /products HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      );
      expectRawProblem(res, 400, 'validation');
    });
    it('an Expect other than 100-continue: 417 validation', async () => {
      const res = await rawRequest(
        store.port,
        'GET /products HTTP/1.1\r\nHost: x\r\nConnection: close\r\nExpect: something-else\r\n\r\n',
      );
      expectRawProblem(res, 417, 'validation');
    });
  });

  it('a body over 64 KiB announced with Expect: 100-continue is refused before it is sent (413)', async () => {
    const res = await rawRequest(
      store.port,
      `${head('Content-Type: application/json\r\nContent-Length: 10000000\r\nExpect: 100-continue\r\n')}`,
    );
    expectRawProblem(res, 413, 'validation');
  });

  it('a chunked body over 64 KiB of another type than JSON is 413, like a JSON one', async () => {
    const chunk = 'a'.repeat(16 * 1024);
    const chunks = Array.from({ length: 12 }, () => `${chunk.length.toString(16)}\r\n${chunk}\r\n`).join('');
    const res = await rawRequest(
      store.port,
      `${head('Content-Type: text/plain\r\nTransfer-Encoding: chunked\r\n')}${chunks}0\r\n\r\n`,
    );
    expectRawProblem(res, 413, 'validation');
    // A small one of that type is refused for its type.
    const small = await rawRequest(
      store.port,
      `${head('Content-Type: text/plain\r\nContent-Length: 2\r\n')}hi`,
    );
    expectRawProblem(small, 400, 'validation');
  });

  it('bytes that are not UTF-8 are refused, not stored as U+FFFD', async () => {
    const body = Buffer.from(JSON.stringify(orderBody({ address: 'A@B' })));
    body[body.indexOf('A@B') + 1] = 0xff;
    const res = await fetch(`${store.url}/orders`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: new Uint8Array(body),
    });
    expect(res.status).to.equal(400);
    expect(((await res.json()) as { detail: string }).detail).to.match(/UTF-8/);
    expect(await psp.chargeRequests(), 'nothing was charged').to.equal(0);
  });

  it('a user id that is not intact text gets no token: it could be the same bytes as another', async () => {
    for (const sub of ['zz\ud800', 'zz\udfff', 'zz\ufffd']) {
      const res = await fetch(`${store.url}/auth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ sub, role: 'customer' }),
      });
      expect(res.status, JSON.stringify(sub)).to.equal(400);
    }
  });

  it('query parameters a call does not take are refused (400); probes take any', async () => {
    const orderId = 'no-such-order';
    for (const path of [`/orders/${orderId}?foo=1`, '/products?foo=1', `/payments/${orderId}?x=`]) {
      const res = await fetch(`${store.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
      const problem = (await res.json()) as { code: string; detail: string };
      expect(res.status, path).to.equal(400);
      expect(problem.detail, path).to.match(/no query parameters/);
    }
    for (const path of ['/healthz?probe=1', '/readyz?x=1']) {
      expect((await fetch(`${store.url}${path}`)).status, path).to.equal(200);
    }
  });

  it('a body is read only once the caller may make the call: anonymous 401, over the rate limit 429', async () => {
    const malformed = '{"productId": ';
    const anonymous = await fetch(`${store.url}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: malformed,
    });
    expect(anonymous.status, 'the token is checked before the body is read').to.equal(401);

    const limited = await store.client.token(customer('limited').sub, 'customer');
    const send = () =>
      fetch(`${store.url}/orders`, {
        method: 'POST',
        headers: { authorization: `Bearer ${limited}`, 'content-type': 'application/json' },
        body: malformed,
      });
    // Fixed one-minute windows of 20: a 429 comes by the 41st request, whatever the window.
    const statuses: number[] = [];
    while (!statuses.includes(429) && statuses.length < 45) statuses.push((await send()).status);
    expect(statuses[0], 'within the limit: the malformed body is a 400').to.equal(400);
    expect(statuses, 'over it: 429, the body not read').to.include(429);
    expect(statuses.filter((s) => s !== 400 && s !== 429)).to.deep.equal([]);
  });

  it("the edge's error codes are API.md's list, and internal", () => {
    expect(CODES).to.include.members(['validation', 'overloaded', 'not-found']);
    expect([...PROBLEM_CODES].sort()).to.deep.equal([...CODES].sort());
  });

  it('every error code the edge answered here is one of API.md', async () => {
    const answers = await Promise.all([
      fetch(`${store.url}/orders`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } }),
      fetch(`${store.url}/orders`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: 'x'.repeat(70_000),
      }),
      fetch(`${store.url}/nowhere`),
    ]);
    const seen = await Promise.all(
      answers.map(async (r) => [r.status, ((await r.json()) as { code: string }).code]),
    );
    expect(seen).to.deep.equal([
      [405, 'not-found'],
      [413, 'validation'],
      [404, 'not-found'],
    ]);
    for (const [, code] of seen) expect(CODES).to.include(code);
  });
});
