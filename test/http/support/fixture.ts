/**
 * The one place API tests get a running edge from: Koa over real HTTP on a free port, real Redis
 * (the run's shared server, a fresh key prefix), real Redis read models, and the in-memory store
 * behind the ports. To run the same API tests against the real actor runtime, change only this.
 */
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { SignJWT } from 'jose';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { loadConfig, type Config, type Role } from '../../../config/index.js';
import { createEdge, type Edge } from '../../../http/app.js';
import type { UserRole } from '../../../http/context.js';
import { createReadModels } from '../../../views/index.js';
import type { ReadModels } from '../../../views/port.js';
import { sharedRedis, uniquePrefix } from '../../support/hooks.js';
import { InMemoryStore } from './in-memory-store.js';

export interface FixtureOptions {
  /** Environment for loadConfig (AUTH_MODE, RATE_LIMIT_PER_MINUTE, JWT_ISSUER, …). */
  readonly env?: Readonly<Record<string, string>>;
  readonly roles?: readonly Role[];
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
  readonly redis: Redis;
  readonly store: InMemoryStore;
  readonly views: ReadModels;
  readonly edge: Edge;
  /** Every log line the edge wrote (JSON strings). */
  readonly logs: string[];
  /** A valid token for (sub, role), signed the way the configured verifier accepts. */
  tokenFor(sub: string, role: UserRole): Promise<string>;
  request(method: string, path: string, opts?: RequestOptions): Promise<ApiResponse>;
  close(): Promise<void>;
}

export const TEST_SECRET = 'api-test-secret-0123456789-abcdefghijklmnop';

export async function startApiFixture(opts: FixtureOptions = {}): Promise<ApiFixture> {
  const srv = await sharedRedis();
  const keyPrefix = uniquePrefix();
  const config = loadConfig({
    AUTH_MODE: 'dev',
    JWT_SECRET: TEST_SECRET,
    KEY_PREFIX: keyPrefix,
    COURIERS: 'courier-1,courier-2',
    ...opts.env,
  });
  const redis = new Redis(srv.port, '127.0.0.1', { maxRetriesPerRequest: 1 });
  const views = await createReadModels({ redis, prefix: keyPrefix });
  const store = new InMemoryStore(config.couriers, {
    event: (e) => views.apply(e),
    message: async (customerId, orderId, kind) => {
      const messageId = `${orderId}:${kind}`;
      const text = `${kind} for your order ${orderId}`;
      await views.addMessage({
        messageId,
        customerId,
        orderId,
        kind,
        text,
        createdAt: new Date().toISOString(),
      });
    },
  });
  const logs: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(line) });
  const edge = createEdge({
    config,
    gateway: store,
    views,
    redis,
    keyPrefix,
    admin: store,
    health: store,
    registry: new Registry(),
    logger,
    roles: opts.roles ?? config.roles,
  });
  const handle = edge.app.callback();
  const server: Server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

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

  const close = async (): Promise<void> => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    redis.disconnect();
  };

  return { baseUrl, config, keyPrefix, redis, store, views, edge, logs, tokenFor, request, close };
}
