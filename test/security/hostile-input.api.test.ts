/**
 * Hostile input against the real store: malformed and non-object JSON, wrong media types,
 * bodies over 64 KiB (with and without Content-Length), deep nesting, huge arrays, prototype
 * keys, unicode edge cases and header injection in X-Request-Id. Each is a 4xx problem, the
 * process keeps serving, and nothing is half-written: no charge reaches the payment provider,
 * no Idempotency-Key is claimed, the attacker's page stays empty.
 */
import { expect } from 'chai';
import { startFakePsp, type FakePsp } from '../support/fake-psp.js';
import { waitFor } from '../support/processes.js';
import { customer, orderBody, rawRequest, staff, startSecureStore, type SecureStore } from './support.js';

const MALLORY = customer('mallory');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const LIMIT = 64 * 1024;

describe('security: hostile input against the real store', function () {
  this.timeout(90_000);
  let store: SecureStore;
  let psp: FakePsp;
  let token: string;
  let keyNo = 0;
  const usedKeys: string[] = [];

  before(async () => {
    psp = await startFakePsp();
    store = await startSecureStore({ PSP_URL: psp.url });
    token = await store.client.token(MALLORY.sub, MALLORY.role);
  });
  after(async () => {
    await store?.stop();
    await psp?.stop();
  });

  /** POST /orders with a raw body, under a fresh Idempotency-Key (remembered for the end). */
  async function post(body: string | Buffer, contentType = 'application/json'): Promise<Response> {
    const key = `hostile-${++keyNo}`;
    usedKeys.push(key);
    return fetch(`${store.url}/orders`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': contentType, 'idempotency-key': key },
      body: typeof body === 'string' ? body : new Uint8Array(body),
    });
  }

  async function expectProblem(res: Response, status: number, code: string, why: string): Promise<void> {
    const text = await res.text();
    expect(res.status, `${why}: ${text.slice(0, 300)}`).to.equal(status);
    expect(res.headers.get('content-type'), why).to.match(/^application\/problem\+json/);
    expect((JSON.parse(text) as { code: string }).code, why).to.equal(code);
  }

  const json = (over: Record<string, unknown>): string => JSON.stringify(orderBody(over));
  /** A valid body with `raw` spliced in as the address's JSON text (for escapes JSON.stringify would not write). */
  const withAddressJson = (raw: string): string => json({ address: 'X' }).replace('"X"', raw);

  const badBodies: readonly [string, string, string?][] = [
    ['truncated JSON', '{"productId":'],
    ['single quotes', "{'productId':'wm-100'}"],
    ['a trailing comma', '{"productId":"wm-100","quantity":1,}'],
    ['NaN', '{"productId":"wm-100","quantity":NaN}'],
    ['an empty body', ''],
    ['a JSON array', '[]'],
    ['a JSON string', '"wm-100"'],
    ['JSON null', 'null'],
    ['a JSON number', '42'],
    ['a JSON boolean', 'true'],
    ['JSON as text/plain', json({}), 'text/plain'],
    ['JSON as a form', json({}), 'application/x-www-form-urlencoded'],
    [
      'deep array nesting in a field',
      json({ address: 'X' }).replace('"X"', `${'['.repeat(30_000)}${']'.repeat(30_000)}`),
    ],
    ['deep object nesting', `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`],
    ['a huge top-level array', `[${Array(25_000).fill('0').join(',')}]`],
    ['a huge array in an extra field', json({ extra: Array(25_000).fill(0) })],
    ['a huge array as the quantity', json({ quantity: Array(25_000).fill(1) })],
    ['an object as the address', json({ address: { street: 'x', toString: 'y' } })],
    ['a __proto__ key', json({}).replace('{', '{"__proto__":{"role":"admin"},')],
    ['a constructor key', json({}).replace('{', '{"constructor":{"prototype":{"admin":true}},')],
    ['a lone high surrogate in the address', withAddressJson('"1 Main \\ud800 Street"')],
    ['a lone low surrogate in the address', withAddressJson('"\\udc00"')],
    ['NUL in the address', withAddressJson('"1 Main\\u0000Street"')],
    ['an escape character in the address', withAddressJson('"\\u001b[31mred"')],
    ['NUL in the product id', json({ productId: 'wm-100\u0000' })],
    ['a non-ASCII payment token', json({ paymentToken: 'tok_visa\u202e' })],
    ['a payment token with a newline', json({ paymentToken: 'tok_visa\r\nX-Evil: 1' })],
    ['an address of 1001 characters', json({ address: 'a'.repeat(1001) })],
    ['a product id of 60000 characters', json({ productId: 'p'.repeat(60_000) })],
    ['an address of whitespace only', json({ address: ' \u00a0\t\n ' })],
    ['a fractional quantity', json({ quantity: 1.5 })],
    ['a huge quantity', json({ quantity: 1e308 })],
    ['a quantity as a string', json({ quantity: '1' })],
  ];
  for (const [name, body, type] of badBodies) {
    it(`${name}: 400 validation`, async () => {
      expect(Buffer.byteLength(body), 'the case must stay under the body limit').to.be.at.most(LIMIT);
      await expectProblem(await post(body, type), 400, 'validation', name);
    });
  }

  it('a body of exactly 64 KiB is read (and refused as invalid); one byte more is 413', async () => {
    const sized = (n: number): string => {
      const base = json({ address: '' });
      return json({ address: 'a'.repeat(n - Buffer.byteLength(base)) });
    };
    expect(Buffer.byteLength(sized(LIMIT))).to.equal(LIMIT);
    await expectProblem(await post(sized(LIMIT)), 400, 'validation', 'exactly 64 KiB');
    await expectProblem(await post(sized(LIMIT + 1)), 413, 'validation', '64 KiB + 1');
    await expectProblem(
      await post(Buffer.alloc(5 * 1024 * 1024, 0x20)),
      413,
      'validation',
      '5 MiB of spaces',
    );
  });

  it('a body that does not decode as its Content-Encoding says (gzip, deflate, empty) is 400, with or without a token', async () => {
    const cases: [string, string, Buffer, Record<string, string>][] = [
      ['/orders', 'gzip', Buffer.from('xxxx'), { authorization: `Bearer ${token}` }],
      ['/orders', 'gzip', Buffer.alloc(0), { authorization: `Bearer ${token}` }],
      ['/orders', 'deflate', Buffer.from(json({})), { authorization: `Bearer ${token}` }],
      ['/auth/token', 'deflate', Buffer.from('zzzz'), {}],
    ];
    for (const [path, encoding, body, auth] of cases) {
      const res = await fetch(`${store.url}${path}`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json', 'content-encoding': encoding },
        body: new Uint8Array(body),
      });
      await expectProblem(res, 400, 'validation', `${path} ${encoding} ${body.length} bytes`);
    }
  });

  it('a chunked body over 64 KiB (no Content-Length) is 413', async () => {
    const chunk = 'a'.repeat(16 * 1024);
    const chunks = Array.from({ length: 6 }, () => `${chunk.length.toString(16)}\r\n${chunk}\r\n`).join('');
    const res = await rawRequest(
      store.port,
      'POST /orders HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\n' +
        `Authorization: Bearer ${token}\r\nTransfer-Encoding: chunked\r\n\r\n${chunks}0\r\n\r\n`,
    );
    expect(res.status, res.head).to.equal(413);
  });

  describe('X-Request-Id cannot inject headers or smuggle junk into logs', () => {
    const get = (idLine: string): Promise<Awaited<ReturnType<typeof rawRequest>>> =>
      rawRequest(store.port, `GET /products HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${idLine}\r\n\r\n`);

    it('CR LF in the value ends the header: the rest is a request header, never a response header', async () => {
      const res = await get('X-Request-Id: abc\r\nSet-Cookie: pwned=1');
      expect(res.status).to.equal(200);
      expect(res.headers['x-request-id']).to.equal('abc');
      expect(res.headers).to.not.have.property('set-cookie');
    });
    it('a bare CR or LF inside the value is refused by the HTTP parser (400)', async () => {
      for (const line of [
        'X-Request-Id: abc\rSet-Cookie: pwned=1',
        'X-Request-Id: abc\nSet-Cookie: pwned=1',
      ]) {
        const res = await get(line);
        expect(res.status, JSON.stringify(line)).to.equal(400);
        expect(res.headers).to.not.have.property('set-cookie');
      }
    });
    it('percent-encoded CR LF, non-ASCII, RTL override, spaces and a 10 KB id are replaced by a UUID', async () => {
      const ids = [
        'abc%0d%0aSet-Cookie:%20x',
        'r\u00e9quest',
        'id\u202eevil',
        'a b',
        'x'.repeat(10_000),
        '<script>',
      ];
      for (const id of ids) {
        const res = await rawRequest(
          store.port,
          Buffer.concat([
            Buffer.from('GET /products HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Request-Id: '),
            Buffer.from(id, 'utf8'),
            Buffer.from('\r\n\r\n'),
          ]),
        );
        expect(res.status, id.slice(0, 40)).to.equal(200);
        expect(res.headers['x-request-id'], id.slice(0, 40)).to.match(UUID);
      }
    });
    it('a header section over the server limit is 431, and the next request is served', async () => {
      const res = await get(`X-Request-Id: ${'x'.repeat(40_000)}`);
      expect(res.status).to.equal(431);
      const next = await get('X-Request-Id: ok');
      expect(next.status).to.equal(200);
      expect(next.headers['x-request-id']).to.equal('ok');
    });
  });

  it('valid but unusual unicode (RTL, emoji, combining marks, CJK) is kept exactly', async () => {
    const address = '\u202eשלום 12, \u05ea\u05dc \u05d0\u05d1\u05d9\u05d1 🏠 e\u0301 東京都 \u200d';
    const res = await store.client.call<{ orderId: string }>(
      'POST',
      '/orders',
      customer('ursula'),
      orderBody({ address }),
    );
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    const item = await waitFor(
      async () => {
        const board = await store.client.call<{ items: { orderId: string; address: string }[] }>(
          'GET',
          '/ordermanagements',
          staff,
        );
        return board.body.items.find((i) => i.orderId === res.body.orderId);
      },
      { timeoutMs: 20_000, what: 'the order on the store board' },
    );
    expect(item.address).to.equal(address.trim());
  });

  // A nested suite, so it runs after every other case of this file (mocha runs a suite's own tests first).
  describe('afterwards', () => {
    it('afterwards the process serves, no hostile key was claimed and nothing was charged for mallory', async () => {
      expect((await fetch(`${store.url}/healthz`)).status).to.equal(200);
      const chargesBefore = await psp.chargeRequests();
      expect(chargesBefore, 'only the unicode order was charged').to.equal(1);
      // Reusing a hostile request's key with a valid body is a fresh order, not 422: the key was never claimed.
      const res = await store.client.call<{ orderId: string }>('POST', '/orders', MALLORY, orderBody(), {
        'idempotency-key': usedKeys[0]!,
      });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      expect(await psp.chargeRequests()).to.equal(chargesBefore + 1);
      const page = await waitFor(
        async () => {
          const p = await store.client.call<{ items: { orderId: string }[] }>('GET', '/myPages', MALLORY);
          return p.body.items.length > 0 ? p.body : null;
        },
        { timeoutMs: 20_000, what: "mallory's page" },
      );
      expect(page.items.map((i) => i.orderId)).to.deep.equal([res.body.orderId]);
    });
  });
});
