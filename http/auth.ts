/**
 * Bearer-token authentication with jose. Algorithms are pinned: HS256 for a shared secret, and
 * only asymmetric algorithms for a JWKS, so `alg: none` and algorithm confusion (an HS256 token
 * signed with a public key) are refused by construction.
 */
import { createRemoteJWKSet, jwtVerify, SignJWT, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { Middleware } from 'koa';
import type { Config } from '../config/index.js';
import { edgeState, USER_ROLES, type Principal, type UserRole } from './context.js';
import { UnauthorizedError } from './errors.js';
import { isIntactText } from './schemas.js';
import { VerifiedTokens } from './verified-tokens.js';

/** Lifetime of tokens issued by `POST /auth/token` in dev mode. */
export const DEV_TOKEN_TTL_SECONDS = 3600;
/** How long a verified token is taken on trust before it is verified again (see verified-tokens.ts). */
export const VERIFIED_TOKEN_MAX_AGE_MS = 60_000;
const VERIFIED_TOKENS_KEPT = 10_000;
const ASYMMETRIC_ALGS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
];

export interface Authenticator {
  /** Resolves the caller, or rejects with UnauthorizedError saying why. */
  verify(token: string): Promise<Principal>;
  /** Issues a token; null when `AUTH_MODE=jwt` (tokens come from the identity provider). */
  readonly issue: ((sub: string, role: UserRole) => Promise<{ token: string; expiresIn: number }>) | null;
}

type AuthConfig = Pick<Config, 'authMode' | 'jwtSecret' | 'jwksUrl' | 'jwtIssuer' | 'jwtAudience'>;

export interface AuthenticatorOptions {
  /** The clock of the verified-token cache (tests). */
  readonly now?: () => number;
}

function isRole(v: unknown): v is UserRole {
  return typeof v === 'string' && (USER_ROLES as readonly string[]).includes(v);
}

function principalOf(payload: JWTPayload): Principal {
  const { sub, role } = payload;
  if (typeof sub !== 'string' || sub === '' || sub.length > 256) {
    throw new UnauthorizedError('the token has no subject (sub)');
  }
  // Each customer's data is keyed by `sub`: a malformed one could be the same bytes as another's.
  if (!isIntactText(sub)) throw new UnauthorizedError("the token's subject (sub) is not well-formed text");
  if (!isRole(role)) throw new UnauthorizedError(`the token's role must be one of ${USER_ROLES.join(', ')}`);
  return { sub, role };
}

/** Build the authenticator `config` describes. */
export function createAuthenticator(config: AuthConfig, opts: AuthenticatorOptions = {}): Authenticator {
  const secret = new TextEncoder().encode(config.jwtSecret);
  // Imported once: given the raw bytes, jose imports a WebCrypto key on every call, which cost
  // more than the HMAC itself (≈ 90 against ≈ 50 µs of CPU per verify, measured).
  let hmacKey: Promise<CryptoKey> | null = null;
  const key = () =>
    (hmacKey ??= crypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, [
      'sign',
      'verify',
    ]));
  // In jwt mode a JWKS wins over the shared secret; dev mode always signs and verifies with the secret.
  const jwks: JWTVerifyGetKey | null =
    config.authMode === 'jwt' && config.jwksUrl ? createRemoteJWKSet(new URL(config.jwksUrl)) : null;
  const options = {
    algorithms: jwks ? ASYMMETRIC_ALGS : ['HS256'],
    clockTolerance: 5,
    // A token without `exp` would never expire (jose checks `exp` only when it is there).
    requiredClaims: ['exp'],
    ...(config.jwtIssuer ? { issuer: config.jwtIssuer } : {}),
    ...(config.jwtAudience ? { audience: config.jwtAudience } : {}),
  };

  const verified = new VerifiedTokens({
    maxEntries: VERIFIED_TOKENS_KEPT,
    maxAgeMs: VERIFIED_TOKEN_MAX_AGE_MS,
    ...(opts.now ? { now: opts.now } : {}),
  });

  const verify = async (token: string): Promise<Principal> => {
    const known = verified.get(token);
    if (known) return known;
    try {
      const { payload } = jwks
        ? await jwtVerify(token, jwks, options)
        : await jwtVerify(token, await key(), options);
      const principal = principalOf(payload);
      verified.remember(token, principal, payload.exp);
      return principal;
    } catch (err) {
      if (err instanceof UnauthorizedError) throw err;
      const code = (err as { code?: unknown }).code;
      if (code === 'ERR_JWT_EXPIRED') throw new UnauthorizedError('the token has expired');
      // Other jose failures (signature, claims, algorithm, malformed) all mean "not a valid token".
      throw new UnauthorizedError('the token is not valid');
    }
  };

  const issue = async (sub: string, role: UserRole): Promise<{ token: string; expiresIn: number }> => {
    let jwt = new SignJWT({ role })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(sub)
      .setIssuedAt()
      .setExpirationTime(`${DEV_TOKEN_TTL_SECONDS}s`);
    if (config.jwtIssuer) jwt = jwt.setIssuer(config.jwtIssuer);
    if (config.jwtAudience) jwt = jwt.setAudience(config.jwtAudience);
    return { token: await jwt.sign(await key()), expiresIn: DEV_TOKEN_TTL_SECONDS };
  };

  return { verify, issue: config.authMode === 'dev' ? issue : null };
}

/**
 * Resolves the caller from `Authorization: Bearer …` when one is sent. A bad token is not an
 * error here: it is remembered and thrown only by routes that need a caller, so public routes
 * (the catalogue) still answer. Rate limiting runs after this, keyed by the verified `sub`.
 */
export function authMiddleware(auth: Authenticator): Middleware {
  return async (ctx, next) => {
    const header = ctx.get('Authorization');
    if (header !== '') {
      const state = edgeState(ctx);
      const m = /^Bearer\s+([A-Za-z0-9_.~+/=-]+)\s*$/i.exec(header);
      if (!m) {
        state.authError = new UnauthorizedError('use Authorization: Bearer <token>');
      } else {
        try {
          state.principal = await auth.verify(m[1]!);
        } catch (err) {
          if (!(err instanceof UnauthorizedError)) throw err;
          state.authError = err;
        }
      }
    }
    await next();
  };
}
