import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { exportJWK, generateKeyPair, exportSPKI, SignJWT } from 'jose';
import { TokenResponse } from '../../http/schemas.js';
import { startApiFixture, TEST_SECRET, type ApiFixture } from './support/fixture.js';
import { expectProblem } from './support/helpers.js';

const secret = (s: string): Uint8Array => new TextEncoder().encode(s);
const b64 = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');

/** One real store per token configuration (the tests only read, so each block shares its store). */
describe('API: authentication (real store on Redis)', () => {
  let f: ApiFixture | null = null;
  const closeStore = async (): Promise<void> => {
    await f?.close();
    f = null;
  };

  describe('AUTH_MODE=dev', () => {
    before(async () => {
      f = await startApiFixture();
    });
    after(closeStore);

    it('POST /auth/token issues an HS256 token that the API accepts', async () => {
      const res = await f!.request('POST', '/auth/token', { body: { sub: 'c-1', role: 'customer' } });
      expect(res.status, res.text).to.equal(200);
      const { token, expiresIn } = TokenResponse.parse(res.body);
      expect(expiresIn).to.equal(3600);
      const header = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as { alg: string };
      expect(header.alg).to.equal('HS256');
      expect((await f!.request('GET', '/messages', { token })).status).to.equal(200);
    });

    it('POST /auth/token validates its body strictly', async () => {
      expectProblem(
        await f!.request('POST', '/auth/token', { body: { sub: 'c-1', role: 'root' } }),
        400,
        'validation',
      );
      const extra = await f!.request('POST', '/auth/token', { body: { sub: 'c-1', role: 'admin', exp: 1 } });
      expect(expectProblem(extra, 400, 'validation').detail).to.include('exp');
      expectProblem(await f!.request('POST', '/auth/token', { body: { role: 'admin' } }), 400, 'validation');
    });

    const bad: [string, () => Promise<string>][] = [
      [
        'alg none',
        () =>
          Promise.resolve(`${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'c-1', role: 'customer' })}.`),
      ],
      [
        'a wrong secret',
        () =>
          new SignJWT({ role: 'customer' })
            .setProtectedHeader({ alg: 'HS256' })
            .setSubject('c-1')
            .setExpirationTime('5m')
            .sign(secret(`${TEST_SECRET}x`)),
      ],
      [
        'HS512 with the right secret (algorithm pinned)',
        () =>
          new SignJWT({ role: 'customer' })
            .setProtectedHeader({ alg: 'HS512' })
            .setSubject('c-1')
            .setExpirationTime('5m')
            .sign(secret(TEST_SECRET)),
      ],
      [
        'an expired token',
        () =>
          new SignJWT({ role: 'customer' })
            .setProtectedHeader({ alg: 'HS256' })
            .setSubject('c-1')
            .setIssuedAt(Math.floor(Date.now() / 1000) - 7200)
            .setExpirationTime(Math.floor(Date.now() / 1000) - 3600)
            .sign(secret(TEST_SECRET)),
      ],
      [
        'no exp (it would never expire)',
        () =>
          new SignJWT({ role: 'customer' })
            .setProtectedHeader({ alg: 'HS256' })
            .setSubject('c-1')
            .setIssuedAt()
            .sign(secret(TEST_SECRET)),
      ],
      [
        'no sub',
        () =>
          new SignJWT({ role: 'customer' })
            .setProtectedHeader({ alg: 'HS256' })
            .setExpirationTime('5m')
            .sign(secret(TEST_SECRET)),
      ],
      [
        'no role',
        () =>
          new SignJWT({})
            .setProtectedHeader({ alg: 'HS256' })
            .setSubject('c-1')
            .setExpirationTime('5m')
            .sign(secret(TEST_SECRET)),
      ],
      [
        'an unknown role',
        () =>
          new SignJWT({ role: 'root' })
            .setProtectedHeader({ alg: 'HS256' })
            .setSubject('c-1')
            .setExpirationTime('5m')
            .sign(secret(TEST_SECRET)),
      ],
      ['garbage', () => Promise.resolve('not.a.jwt')],
    ];
    for (const [what, make] of bad) {
      it(`401 for ${what}`, async () => {
        const res = await f!.request('GET', '/messages', { token: await make() });
        expectProblem(res, 401, 'unauthorized');
      });
    }

    it('401 for a non-Bearer Authorization header', async () => {
      const res = await f!.request('GET', '/messages', { headers: { authorization: 'Basic YWxpY2U6cHc=' } });
      expectProblem(res, 401, 'unauthorized');
    });

    it('a bad token does not block public routes', async () => {
      const res = await f!.request('GET', '/products', { token: 'not.a.jwt' });
      expect(res.status).to.equal(200);
    });
  });

  describe('issuer and audience', () => {
    before(async () => {
      f = await startApiFixture({ env: { JWT_ISSUER: 'https-issuer-a', JWT_AUDIENCE: 'store-api' } });
    });
    after(closeStore);
    const sign = (claims: { iss?: string; aud?: string }): Promise<string> => {
      let jwt = new SignJWT({ role: 'customer' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('c-1')
        .setExpirationTime('5m');
      if (claims.iss) jwt = jwt.setIssuer(claims.iss);
      if (claims.aud) jwt = jwt.setAudience(claims.aud);
      return jwt.sign(secret(TEST_SECRET));
    };
    it('accepts the configured issuer and audience; dev tokens carry them', async () => {
      expect(
        (
          await f!.request('GET', '/messages', {
            token: await sign({ iss: 'https-issuer-a', aud: 'store-api' }),
          })
        ).status,
      ).to.equal(200);
      const issued = await f!.request('POST', '/auth/token', { body: { sub: 'c-1', role: 'customer' } });
      const { token } = TokenResponse.parse(issued.body);
      expect((await f!.request('GET', '/messages', { token })).status).to.equal(200);
    });
    for (const [what, claims] of [
      ['a wrong issuer', { iss: 'evil', aud: 'store-api' }],
      ['a wrong audience', { iss: 'https-issuer-a', aud: 'other' }],
      ['no issuer', { aud: 'store-api' }],
    ] as const) {
      it(`401 for ${what}`, async () => {
        expectProblem(
          await f!.request('GET', '/messages', { token: await sign(claims) }),
          401,
          'unauthorized',
        );
      });
    }
  });

  describe('AUTH_MODE=jwt', () => {
    after(closeStore);
    it('POST /auth/token answers 404; tokens signed with JWT_SECRET are verified', async () => {
      f = await startApiFixture({ env: { AUTH_MODE: 'jwt' } });
      expectProblem(
        await f.request('POST', '/auth/token', { body: { sub: 'c-1', role: 'admin' } }),
        404,
        'not-found',
      );
      expectProblem(await f.request('POST', '/auth/token', { body: { anything: 1 } }), 404, 'not-found');
      const token = await f.tokenFor('c-1', 'customer');
      expect((await f.request('GET', '/messages', { token })).status).to.equal(200);
    });

    describe('with JWKS_URL', () => {
      let jwks: Server;
      let keys: Awaited<ReturnType<typeof generateKeyPair>>;
      before(async () => {
        keys = await generateKeyPair('RS256', { extractable: true });
        const jwk = { ...(await exportJWK(keys.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
        jwks = createServer((_req, res) => {
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ keys: [jwk] }));
        });
        await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
      });
      after(async () => {
        await closeStore();
        await new Promise<void>((resolve) => jwks.close(() => resolve()));
      });
      before(async () => {
        await closeStore();
        const url = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`;
        f = await startApiFixture({ env: { AUTH_MODE: 'jwt', JWKS_URL: url } });
      });

      it('accepts RS256 tokens signed by the identity provider', async () => {
        const token = await new SignJWT({ role: 'customer' })
          .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
          .setSubject('c-1')
          .setExpirationTime('5m')
          .sign(keys.privateKey);
        expect((await f!.request('GET', '/messages', { token })).status).to.equal(200);
      });

      it('refuses HS256 tokens, even signed with the public key (algorithm confusion)', async () => {
        const pem = await exportSPKI(keys.publicKey);
        for (const key of [secret(pem), secret(TEST_SECRET)]) {
          const token = await new SignJWT({ role: 'admin' })
            .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
            .setSubject('c-1')
            .setExpirationTime('5m')
            .sign(key);
          expectProblem(await f!.request('GET', '/admin/mailboxes', { token }), 401, 'unauthorized');
        }
      });
    });
  });
});
