/**
 * Hostile tokens against the real edge in `AUTH_MODE=jwt`, once with a shared secret and once
 * with a JWKS served by the test: every forged, confused, stale or incomplete token is a 401
 * `unauthorized`, and a good token still works (so the 401s are not a broken setup).
 */
import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { expect } from 'chai';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import { onRunEnd } from '../support/hooks.js';
import { startSecureStore, type SecureStore } from './support.js';

const ISSUER = 'https://id.example.test/';
const AUDIENCE = 'appliance-store';
const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
const now = (): number => Math.floor(Date.now() / 1000);

/** Claims of a good token; `over` replaces or (with undefined) removes claims. */
function claims(over: Record<string, unknown> = {}): JWTPayload {
  const base: Record<string, unknown> = {
    sub: 'c-1',
    role: 'customer',
    iss: ISSUER,
    aud: AUDIENCE,
    iat: now(),
    exp: now() + 600,
    ...over,
  };
  return Object.fromEntries(Object.entries(base).filter(([, v]) => v !== undefined));
}

/** A token with any header and payload, HMAC-signed with `key` (or unsigned when null). */
function handMade(header: Record<string, unknown>, payload: JWTPayload, key: string | Buffer | null): string {
  const input = `${b64(header)}.${b64(payload)}`;
  if (key === null) return `${input}.`;
  const alg = String(header.alg);
  const hash = alg === 'HS384' ? 'sha384' : alg === 'HS512' ? 'sha512' : 'sha256';
  return `${input}.${createHmac(hash, key).update(input).digest('base64url')}`;
}

/** Swap the payload of a validly signed token (the signature no longer covers it). */
function tamper(token: string, payload: JWTPayload): string {
  const [h, , s] = token.split('.');
  return `${h}.${b64(payload)}.${s}`;
}

async function messagesWith(store: SecureStore, token: string, path = '/messages'): Promise<Response> {
  return fetch(`${store.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
}

async function expect401(res: Response, why: string): Promise<void> {
  const text = await res.text();
  expect(res.status, `${why}: ${text}`).to.equal(401);
  expect(res.headers.get('content-type')).to.match(/^application\/problem\+json/);
  expect((JSON.parse(text) as { code: string }).code).to.equal('unauthorized');
  expect(res.headers.get('www-authenticate')).to.equal('Bearer');
}

/** Cases both modes share: `good(claims)` signs correctly for the mode under test. */
function commonCases(
  get: () => SecureStore,
  good: (c: JWTPayload) => Promise<string>,
  header: () => Record<string, unknown>,
): void {
  it('a correctly signed token is accepted (control)', async () => {
    const res = await messagesWith(get(), await good(claims()));
    expect(res.status, await res.clone().text()).to.equal(200);
  });
  it('alg none (unsigned) is 401', async () => {
    await expect401(
      await messagesWith(get(), handMade({ alg: 'none', typ: 'JWT' }, claims(), null)),
      'alg none',
    );
    await expect401(await messagesWith(get(), handMade({ alg: 'None' }, claims(), null)), 'alg None');
  });
  const bad: readonly [string, Record<string, unknown>][] = [
    ['expired an hour ago', { iat: now() - 7200, exp: now() - 3600 }],
    ['not valid before an hour from now', { nbf: now() + 3600 }],
    ['a wrong issuer', { iss: 'https://evil.example.test/' }],
    ['no issuer', { iss: undefined }],
    ['a wrong audience', { aud: 'another-service' }],
    ['no audience', { aud: undefined }],
    ['no sub', { sub: undefined }],
    ['an empty sub', { sub: '' }],
    ['a numeric sub', { sub: 42 }],
    ['no role', { role: undefined }],
    ['an unknown role', { role: 'superuser' }],
    ['a role list', { role: ['admin'] }],
  ];
  for (const [name, over] of bad) {
    it(`a token with ${name} is 401`, async () => {
      await expect401(await messagesWith(get(), await good(claims(over))), name);
    });
  }
  it('a tampered payload (customer → admin, another sub) is 401, also on admin routes', async () => {
    const valid = await good(claims());
    await expect401(await messagesWith(get(), tamper(valid, claims({ sub: 'c-2' }))), 'other sub');
    const asAdmin = tamper(valid, claims({ role: 'admin' }));
    await expect401(await messagesWith(get(), asAdmin, '/admin/mailboxes'), 'role admin');
  });
  it('garbage, a truncated token and a non-Bearer scheme are 401', async () => {
    const valid = await good(claims());
    await expect401(await messagesWith(get(), 'not.a.jwt'), 'garbage');
    await expect401(await messagesWith(get(), valid.slice(0, -5)), 'truncated');
    await expect401(await messagesWith(get(), `${valid}.${valid}`), 'doubled');
    const basic = await fetch(`${get().url}/messages`, { headers: { authorization: `Basic ${valid}` } });
    await expect401(basic, 'Basic scheme');
    await expect401(
      await messagesWith(get(), handMade(header(), claims(), randomBytes(32))),
      'wrong HMAC key',
    );
  });
  it('POST /auth/token does not exist in jwt mode (404)', async () => {
    const res = await fetch(`${get().url}/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sub: 'a', role: 'admin' }),
    });
    expect(res.status).to.equal(404);
  });
}

describe('security: hostile tokens, AUTH_MODE=jwt with a shared secret', () => {
  const secret = randomBytes(32).toString('hex');
  let store: SecureStore;
  before(async () => {
    store = await startSecureStore({
      ROLES: 'edge',
      AUTH_MODE: 'jwt',
      JWT_SECRET: secret,
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
    });
  });
  after(() => store.stop());

  const sign = (c: JWTPayload): Promise<string> =>
    new SignJWT(c).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(secret));
  commonCases(
    () => store,
    sign,
    () => ({ alg: 'HS256', typ: 'JWT' }),
  );

  it('the right secret with another HMAC algorithm (HS384, HS512) is 401: HS256 is pinned', async () => {
    for (const alg of ['HS384', 'HS512']) {
      await expect401(await messagesWith(store, handMade({ alg, typ: 'JWT' }, claims(), secret)), alg);
    }
  });
  it('an RS256 token (an asymmetric key the edge never trusted) is 401', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const rs = await new SignJWT(claims()).setProtectedHeader({ alg: 'RS256' }).sign(privateKey);
    await expect401(await messagesWith(store, rs), 'RS256');
  });
});

describe('security: hostile tokens, AUTH_MODE=jwt with a JWKS URL', () => {
  const kid = 'test-key-1';
  let store: SecureStore;
  let jwks: Server;
  let privateKey: CryptoKey;
  let publicPem: string;
  let publicJwkN: string;
  before(async () => {
    const pair = await generateKeyPair('RS256', { extractable: true });
    privateKey = pair.privateKey;
    publicPem = await exportSPKI(pair.publicKey);
    const jwk = { ...(await exportJWK(pair.publicKey)), kid, alg: 'RS256', use: 'sig' };
    publicJwkN = String(jwk.n);
    jwks = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    const addr = jwks.address();
    const port = typeof addr === 'object' && addr ? addr.port : 0;
    onRunEnd(() => new Promise<void>((resolve) => jwks.close(() => resolve())));
    store = await startSecureStore({
      ROLES: 'edge',
      AUTH_MODE: 'jwt',
      JWKS_URL: `http://127.0.0.1:${port}/.well-known/jwks.json`,
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
    });
  });
  after(() => store.stop());

  const sign = (c: JWTPayload): Promise<string> =>
    new SignJWT(c).setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' }).sign(privateKey);
  commonCases(
    () => store,
    sign,
    () => ({ alg: 'HS256', kid, typ: 'JWT' }),
  );

  it('HS/RS confusion: HS256 keyed with the public key (PEM, DER modulus) is 401', async () => {
    const pem = handMade({ alg: 'HS256', kid, typ: 'JWT' }, claims({ role: 'admin' }), publicPem);
    await expect401(await messagesWith(store, pem, '/admin/mailboxes'), 'HS256 with PEM');
    const n = handMade({ alg: 'HS256', kid }, claims(), Buffer.from(publicJwkN, 'base64url'));
    await expect401(await messagesWith(store, n), 'HS256 with modulus');
  });
  it('a token signed by another RSA key under the trusted kid is 401', async () => {
    const other = await generateKeyPair('RS256');
    const forged = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'RS256', kid })
      .sign(other.privateKey);
    await expect401(await messagesWith(store, forged), 'foreign key');
  });
  it('the dev secret does not work once a JWKS is configured', async () => {
    const dev = handMade(
      { alg: 'HS256', typ: 'JWT' },
      claims(),
      'appliance-store-dev-secret-change-me-0123456789',
    );
    await expect401(await messagesWith(store, dev), 'dev secret');
  });
});
