/**
 * The one place API tests get a running store from: the real composition root (`startStore`)
 * with the roles asked for (all by default) in this process, on the run's shared redis-server
 * under a fresh key prefix, the real actors, read models, projector and notifier, and a real
 * payment provider over HTTP (the simulator server, `test/support/fake-psp.ts`), so every answer
 * of the edge comes from Redis and the actors. Start one per test file (or per configuration)
 * and give each test its own customer ids: read models are shared within a store.
 */
import { SignJWT } from 'jose';
import { Redis } from 'ioredis';
import { storeLogger } from '../../../app/logger.js';
import { startStore, type RunningStore } from '../../../app/compose.js';
import { loadConfig, type Config, type Role } from '../../../config/index.js';
import type { Edge } from '../../../http/app.js';
import type { UserRole } from '../../../http/context.js';
import { startFakePsp, type FakePsp } from '../../support/fake-psp.js';
import { sharedRedis, uniquePrefix } from '../../support/hooks.js';
import { waitFor } from '../../support/processes.js';

export interface FixtureOptions {
  /** Environment for loadConfig (AUTH_MODE, RATE_LIMIT_PER_MINUTE, JWT_ISSUER, …). */
  readonly env?: Readonly<Record<string, string>>;
  readonly roles?: readonly Role[];
  /** The Redis to use instead of the shared one (tests that stop their Redis). */
  readonly redisUrl?: string;
  /** Join another fixture's store (same Redis, same keys) as one more process with `roles`. */
  readonly join?: ApiFixture;
}

export interface ApiResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** Parsed JSON body, or undefined when the body is not JSON. */
  readonly body: unknown;
}

export interface RequestOptions {
  readonly token?: string;
  readonly body?: unknown;
  /** Sent as is (no JSON encoding). */
  readonly raw?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface ApiFixture {
  readonly baseUrl: string;
  readonly config: Config;
  readonly keyPrefix: string;
  /** A client of the store's Redis for the test's own looks (not the store's connection). */
  readonly redis: Redis;
  /** The running store: its runtime (tell, state, keys) and its edge (routers, routes). */
  readonly store: RunningStore;
  readonly edge: Edge;
  /** The payment provider the store calls (`PSP_URL`): its books and its mode. */
  readonly psp: FakePsp;
  /** Every log line the store wrote (JSON strings). */
  readonly logs: string[];
  /** A valid token for (sub, role), signed the way the configured verifier accepts. */
  tokenFor(sub: string, role: UserRole): Promise<string>;
  request(method: string, path: string, opts?: RequestOptions): Promise<ApiResponse>;
  close(): Promise<void>;
}

export const TEST_SECRET = 'api-test-secret-0123456789-abcdefghijklmnop';

export async function startApiFixture(opts: FixtureOptions = {}): Promise<ApiFixture> {
  const redisUrl = opts.redisUrl ?? opts.join?.config.redisUrl ?? (await sharedRedis()).url;
  const keyPrefix = opts.join?.keyPrefix ?? uniquePrefix();
  const psp = await startFakePsp();
  const env: Record<string, string> = {
    AUTH_MODE: 'dev',
    JWT_SECRET: TEST_SECRET,
    REDIS_URL: redisUrl,
    KEY_PREFIX: keyPrefix,
    PSP_URL: opts.join?.psp.url ?? psp.url,
    COURIERS: 'courier-1,courier-2',
    // Few shards and short blocking reads: a store per file starts and stops in well under a second.
    SHARDS: '2',
    EVENT_SHARDS: '2',
    BLOCK_MS: '100',
    LEASE_TTL_MS: '2000',
    ...opts.env,
  };
  if (opts.roles) env.ROLES = opts.roles.join(',');
  // Port 0: the store listens wherever the system has room (loadConfig wants 1-65535 from PORT).
  const config: Config = { ...loadConfig(env), port: 0 };
  const logs: string[] = [];
  const logger = storeLogger({ level: 'info' }, { write: (line: string) => void logs.push(line) });
  const store = await startStore(config, logger);
  // Like a rollout waits for readiness: the shards are held before the first test request.
  await waitFor(() => store.runtime.ready(), { what: 'the store ready (shards held)' });
  const baseUrl = `http://127.0.0.1:${store.port}`;
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, lazyConnect: false });
  redis.on('error', () => undefined); // tests that stop their Redis see errors on their calls

  const tokenFor = async (sub: string, role: UserRole): Promise<string> => {
    let jwt = new SignJWT({ role })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(sub)
      .setIssuedAt()
      .setExpirationTime('10m');
    if (config.jwtIssuer) jwt = jwt.setIssuer(config.jwtIssuer);
    if (config.jwtAudience) jwt = jwt.setAudience(config.jwtAudience);
    return jwt.sign(new TextEncoder().encode(config.jwtSecret));
  };

  const request = async (method: string, path: string, o: RequestOptions = {}): Promise<ApiResponse> => {
    const headers: Record<string, string> = { ...o.headers };
    if (o.token) headers.authorization = `Bearer ${o.token}`;
    let body: string | undefined = o.raw;
    if (o.body !== undefined) {
      body = JSON.stringify(o.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body } : {}),
    });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: res.status, headers: res.headers, text, body: parsed };
  };

  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await store.stop();
    redis.disconnect();
    await psp.stop();
  };

  return {
    baseUrl,
    config,
    keyPrefix,
    redis,
    store,
    edge: store.edge,
    psp,
    logs,
    tokenFor,
    request,
    close,
  };
}
