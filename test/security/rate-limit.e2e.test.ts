/**
 * The per-caller rate limit is one budget across edge replicas: two edge processes sharing
 * Redis together let a caller through exactly RATE_LIMIT_PER_MINUTE times a window, then answer
 * 429 `rate-limited` with Retry-After, while other callers and the probes are unaffected.
 */
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { onRunEnd, sharedRedis, uniquePrefix } from '../support/hooks.js';
import { freshRateLimitWindow, RATE_LIMIT_WINDOW_MS } from '../support/rate-limit.js';
import { startStoreProcess, storeEnv, StoreClient, type StoreProcess } from '../support/store-process.js';

const LIMIT = 20;

describe('security: rate limits across two edge processes sharing Redis', function () {
  this.timeout(90_000);
  let edges: StoreProcess[];
  let clients: StoreClient[];
  let redis: Redis;
  const prefix = uniquePrefix();

  before(async () => {
    const url = (await sharedRedis()).url;
    redis = new Redis(url);
    onRunEnd(() => Promise.resolve(redis.disconnect()));
    const env = storeEnv(url, prefix, { RATE_LIMIT_PER_MINUTE: String(LIMIT) });
    edges = await Promise.all([0, 1].map(() => startStoreProcess({ roles: 'edge', env })));
    clients = edges.map((e) => new StoreClient(e.url));
  });
  after(() => Promise.all(edges.map((e) => e.stop())));

  // The limit is a fixed one-minute window: start well inside one so the budget cannot reset mid-test.
  beforeEach(() => freshRateLimitWindow());

  it('a customer alternating between the edges gets exactly the limit, then 429 with Retry-After', async () => {
    // Tokens are issued before counting: POST /auth/token is itself a (per-IP) request.
    const who = { sub: `rl-${uniquePrefix()}`, role: 'customer' };
    await Promise.all(clients.map((c) => c.token(who.sub, who.role)));
    const statuses: number[] = [];
    let limited: { status: number; body: unknown; headers: Headers } | null = null;
    for (let i = 0; i < LIMIT + 6; i++) {
      const res = await clients[i % 2]!.call('GET', '/messages', who);
      statuses.push(res.status);
      if (res.status === 429) limited = res;
    }
    expect(
      statuses.slice(0, LIMIT).every((s) => s === 200),
      statuses.join(','),
    ).to.equal(true);
    expect(
      statuses.slice(LIMIT).every((s) => s === 429),
      statuses.join(','),
    ).to.equal(true);
    expect((limited!.body as { code: string }).code).to.equal('rate-limited');
    const retryAfter = Number(limited!.headers.get('retry-after'));
    expect(retryAfter).to.be.within(1, 60);
    expect(limited!.headers.get('content-type')).to.match(/^application\/problem\+json/);

    // Another caller has its own budget; probes are never limited.
    const other = await clients[1]!.call('GET', '/messages', {
      sub: `rl-${uniquePrefix()}`,
      role: 'customer',
    });
    expect(other.status).to.equal(200);
    for (const e of edges) expect((await fetch(`${e.url}/healthz`)).status).to.equal(200);
  });

  it('anonymous callers are limited by address across both edges too', async () => {
    // Earlier calls of this file (POST /auth/token) may have spent part of the address's budget in
    // this window: read what they spent (the per-IP counters of the current window, in Redis).
    const window = Math.floor(Date.now() / RATE_LIMIT_WINDOW_MS);
    const counters = (await redis.keys(`${prefix}:rl:ip:*`)).filter((k) => k.endsWith(`:${window}`));
    const used = (await Promise.all(counters.map((k) => redis.get(k)))).reduce((n, v) => n + Number(v), 0);
    expect(used, 'the budget is not spent before the loop').to.be.below(LIMIT);
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT + 4; i++) {
      statuses.push((await fetch(`${edges[i % 2]!.url}/products`)).status);
    }
    const firstLimited = statuses.indexOf(429);
    expect(firstLimited, `${used} used before: ${statuses.join(',')}`).to.equal(LIMIT - used);
    expect(
      statuses.slice(firstLimited).every((s) => s === 429),
      statuses.join(','),
    ).to.equal(true);
    expect(statuses.slice(0, firstLimited).every((s) => s === 200)).to.equal(true);
  });
});
