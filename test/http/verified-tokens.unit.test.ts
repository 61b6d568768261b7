import { expect } from 'chai';
import { SignJWT } from 'jose';
import { createAuthenticator, VERIFIED_TOKEN_MAX_AGE_MS } from '../../http/auth.js';
import { UnauthorizedError } from '../../http/errors.js';
import { MAX_KEPT_TOKEN_LENGTH, VerifiedTokens } from '../../http/verified-tokens.js';

const alice = { sub: 'alice', role: 'customer' } as const;
const bob = { sub: 'bob', role: 'customer' } as const;

describe('verified tokens (unit)', () => {
  let now = 1_000_000;
  const clock = () => now;
  beforeEach(() => (now = 1_000_000));

  it('keeps a token until its exp or the maximum age, whichever comes first', () => {
    const kept = new VerifiedTokens({ maxEntries: 10, maxAgeMs: 60_000, now: clock });
    kept.remember('t-exp', alice, now / 1000 + 30); // exp in 30 s
    kept.remember('t-long', bob, now / 1000 + 3600); // exp in an hour: the cap of 60 s wins
    kept.remember('t-none', bob, undefined);
    expect(kept.get('t-exp')).to.deep.equal(alice);
    now += 29_999;
    expect(kept.get('t-exp')).to.deep.equal(alice);
    now += 1;
    expect(kept.get('t-exp')).to.equal(undefined);
    expect(kept.get('t-long')).to.deep.equal(bob);
    now += 30_000;
    expect(kept.get('t-long')).to.equal(undefined);
    expect(kept.get('t-none')).to.equal(undefined);
    expect(kept.size).to.equal(0);
  });

  it('does not keep a token already past its exp or an overlong one, and never answers for another token', () => {
    const kept = new VerifiedTokens({ maxEntries: 10, maxAgeMs: 60_000, now: clock });
    kept.remember('t-old', alice, now / 1000 - 1);
    expect(kept.get('t-old')).to.equal(undefined);
    kept.remember('t-a', alice, undefined);
    expect(kept.get('t-a ')).to.equal(undefined);
    expect(kept.get('t-A')).to.equal(undefined);
    const long = 'x'.repeat(MAX_KEPT_TOKEN_LENGTH + 1);
    kept.remember(long, alice, undefined);
    expect(kept.get(long)).to.equal(undefined);
  });

  it('holds at most maxEntries, dropping the oldest first', () => {
    const kept = new VerifiedTokens({ maxEntries: 2, maxAgeMs: 60_000, now: clock });
    kept.remember('t1', alice, undefined);
    kept.remember('t2', bob, undefined);
    kept.remember('t2', bob, undefined); // already kept: nothing dropped
    expect(kept.size).to.equal(2);
    kept.remember('t3', alice, undefined);
    expect(kept.size).to.equal(2);
    expect([kept.get('t1'), kept.get('t2'), kept.get('t3')]).to.deep.equal([undefined, bob, alice]);
  });

  describe('in the authenticator', () => {
    const secret = 'a-test-secret-of-at-least-thirty-two-bytes!!';
    const config = {
      authMode: 'dev' as const,
      jwtSecret: secret,
      jwksUrl: null,
      jwtIssuer: null,
      jwtAudience: null,
    };
    const sign = (expSeconds: number) =>
      new SignJWT({ role: 'customer' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('alice')
        .setExpirationTime(expSeconds)
        .sign(new TextEncoder().encode(secret));

    it('answers a token it verified again with the same caller', async () => {
      now = Date.now();
      const token = await sign(Math.floor(now / 1000) + 600);
      const auth = createAuthenticator(config, { now: clock });
      expect(await auth.verify(token)).to.deep.equal(alice);
      expect(await auth.verify(token)).to.deep.equal(alice);
      now += VERIFIED_TOKEN_MAX_AGE_MS; // past the cap: verified again, still good
      expect(await auth.verify(token)).to.deep.equal(alice);
    });

    it('a token with a bad signature is refused every time, even after a good one was kept', async () => {
      now = Date.now();
      const token = await sign(Math.floor(now / 1000) + 600);
      const auth = createAuthenticator(config, { now: clock });
      expect(await auth.verify(token)).to.deep.equal(alice);
      const [head, body, sig] = token.split('.') as [string, string, string];
      const forged = `${head}.${body}.${sig.slice(0, -2)}${sig.endsWith('AA') ? 'BB' : 'AA'}`;
      for (let i = 0; i < 2; i++) {
        const err = await auth.verify(forged).then(
          () => null,
          (e: unknown) => e,
        );
        expect(err).to.be.instanceOf(UnauthorizedError);
      }
    });
  });
});
