import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT } from '../chart/helm.js';
import { waitFor } from '../support/processes.js';
import { freshRateLimitWindow } from '../support/rate-limit.js';
import { RedisServer } from '../support/redis-server.js';
import { startApiFixture, type ApiFixture } from './support/fixture.js';
import { expectProblem, orderBody, uniqueUser } from './support/helpers.js';
import { openApiPath } from '../../http/openapi.js';

describe('API: the edge itself (real store on Redis)', () => {
  let f: ApiFixture;
  before(async () => {
    f = await startApiFixture();
  });
  after(() => f.close());

  describe('problems', () => {
    it('unknown routes are 404 problem+json', async () => {
      expectProblem(await f.request('GET', '/nope'), 404, 'not-found');
    });

    it('a wrong method is 405 problem+json with Allow', async () => {
      const res = await f.request('DELETE', '/products');
      expectProblem(res, 405, 'not-found');
      expect(res.headers.get('allow')).to.include('GET');
    });

    it('a body over 64 KiB is 413 validation', async () => {
      const token = await f.tokenFor('alice', 'customer');
      const res = await f.request('POST', '/orders', {
        token,
        body: orderBody({ address: 'x'.repeat(70 * 1024) }),
      });
      expectProblem(res, 413, 'validation');
    });

    it('a body over 64 KiB of another type is 413 too (not 400), and one under it is a 400', async () => {
      const token = await f.tokenFor('alice', 'customer');
      for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/octet-stream']) {
        const big = await f.request('POST', '/orders', {
          token,
          raw: 'x'.repeat(64 * 1024 + 1),
          headers: { 'content-type': type },
        });
        expectProblem(big, 413, 'validation');
        const small = await f.request('POST', '/orders', {
          token,
          raw: 'x',
          headers: { 'content-type': type },
        });
        expectProblem(small, 400, 'validation');
      }
    });

    it('malformed JSON is 400 validation', async () => {
      const token = await f.tokenFor('alice', 'customer');
      const res = await f.request('POST', '/orders', {
        token,
        raw: '{"productId":',
        headers: { 'content-type': 'application/json' },
      });
      expectProblem(res, 400, 'validation');
    });

    it('query parameters are strict; limit over 100 is capped (API.md); an empty cursor is the first page', async () => {
      const token = await f.tokenFor(uniqueUser('nobody'), 'customer');
      for (const q of [
        'limit=0',
        'limit=-1',
        'limit=abc',
        'limit=2.5',
        'limit=',
        'foo=1',
        'limit=5&limit=6',
      ]) {
        expectProblem(await f.request('GET', `/myPages?${q}`, { token }), 400, 'validation');
      }
      for (const q of ['limit=100', 'limit=101', 'limit=100000', 'cursor=', '']) {
        const res = await f.request('GET', `/myPages?${q}`, { token });
        expect(res.status, q).to.equal(200);
        expect(res.body, q).to.deep.equal({ items: [], next: null });
      }
      const staff = await f.tokenFor('s', 'staff');
      expectProblem(
        await f.request('GET', '/ordermanagements?status=Shipped', { token: staff }),
        400,
        'validation',
      );
    });

    it('a tampered cursor is 400 validation', async () => {
      const token = await f.tokenFor('alice', 'customer');
      expectProblem(await f.request('GET', '/messages?cursor=%%%garbage', { token }), 400, 'validation');
    });

    it('an internal failure is 500 internal with no internals, logged with the request id', async () => {
      // A real failure inside the store: a payment state in Redis that does not parse.
      for (let shard = 0; shard < f.config.shards; shard++) {
        await f.redis.hset(
          f.store.runtime.keys.state('payment', shard),
          'ord_corrupt',
          '{secret-redis-detail',
        );
      }
      const token = await f.tokenFor('admin-1', 'admin');
      const res = await f.request('GET', '/payments/ord_corrupt', {
        token,
        headers: { 'x-request-id': 'req-500' },
      });
      expectProblem(res, 500, 'internal');
      expect(res.text).to.not.include('secret-redis-detail');
      expect(res.text).to.not.include('JSON');
      expect(
        f.logs.some((l) => l.includes('req-500') && l.includes('JSON')),
        f.logs.filter((l) => l.includes('req-500')).join('\n'),
      ).to.equal(true);
    });
  });

  describe('X-Request-Id', () => {
    it('echoes a safe id, replaces an unsafe one, generates one when absent; logs it', async () => {
      const echoed = await f.request('GET', '/products', { headers: { 'x-request-id': 'abc-123.x:y_z' } });
      expect(echoed.headers.get('x-request-id')).to.equal('abc-123.x:y_z');
      const unsafe = await f.request('GET', '/products', { headers: { 'x-request-id': 'bad id<script>' } });
      const replaced = unsafe.headers.get('x-request-id')!;
      expect(replaced).to.match(/^[0-9a-f-]{36}$/);
      const long = await f.request('GET', '/products', { headers: { 'x-request-id': 'a'.repeat(200) } });
      expect(long.headers.get('x-request-id')).to.have.length(36);
      const none = await f.request('GET', '/nope');
      expect(none.headers.get('x-request-id')).to.match(/^[0-9a-f-]{36}$/);
      const lines = f.logs.map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(
        lines.some((l) => l.reqId === 'abc-123.x:y_z' && l.route === '/products' && l.status === 200),
      ).to.equal(true);
      expect(lines.some((l) => l.reqId === replaced)).to.equal(true);
    });

    it('logs never hold tokens or payment tokens', async () => {
      const alice = uniqueUser('alice');
      const token = await f.tokenFor(alice, 'customer');
      const placed = await f.request('POST', '/orders', {
        token,
        body: orderBody({ paymentToken: 'tok_secret_visa' }),
      });
      expect(placed.status).to.equal(201);
      // Through the whole flow: the edge, the actors, the provider call, the read models.
      await waitFor(async () => {
        const res = await f.request('GET', '/messages', { token });
        return (res.body as { items: unknown[] }).items.length > 0;
      });
      const all = f.logs.join('\n');
      expect(all).to.not.include(token);
      expect(all).to.not.include('tok_secret_visa');
      expect(all).to.not.include(f.config.jwtSecret);
      expect(all).to.include(`"sub":"${alice}"`);
    });
  });

  describe('operations', () => {
    it('/healthz is 200 while the actor loops run', async () => {
      // The 503 once a loop has stalled (watchdog, real parts): test/ops/self-healing.e2e.test.ts.
      expect((await f.request('GET', '/healthz')).body).to.deep.equal({ status: 'ok' });
    });

    it('/readyz is 200 once the shards are held, 503 quickly while Redis does not answer, 200 again after', async () => {
      const redis = await RedisServer.start();
      const own = await startApiFixture({ redisUrl: redis.url });
      try {
        expect((await own.request('GET', '/readyz')).body).to.deep.equal({ status: 'ok' });
        await redis.kill();
        const t0 = Date.now();
        const res = await own.request('GET', '/readyz');
        expectProblem(res, 503, 'overloaded');
        expect(Date.now() - t0, 'a probe answers within its timeout').to.be.below(2000);
        // Liveness is not readiness: the process is alive and waits for Redis.
        expect((await own.request('GET', '/healthz')).status).to.equal(200);
        await redis.launch();
        await waitFor(async () => (await own.request('GET', '/readyz')).status === 200, {
          what: 'ready again',
          timeoutMs: 15_000,
        });
      } finally {
        await own.close();
        await redis.stop();
      }
    });

    it('/metrics has the HTTP metrics labelled by route template', async () => {
      const token = await f.tokenFor('alice', 'customer');
      await f.request('GET', '/orders/ord_abc', { token });
      await f.request('GET', '/nope/zzz');
      const res = await f.request('GET', '/metrics');
      expect(res.headers.get('content-type')).to.match(/^text\/plain/);
      expect(res.text).to.match(
        /appliance_http_requests_total\{method="GET",route="\/orders\/:orderId",status="404"\} 1/,
      );
      expect(res.text).to.match(
        /appliance_http_request_duration_seconds_bucket\{le="[^"]+",method="GET",route="\/orders\/:orderId"/,
      );
      expect(res.text).to.match(/route="unmatched"/);
      expect(res.text).to.not.include('ord_abc');
      expect(res.text).to.include('appliance_orders_placed_total');
    });

    it('/metrics of a store with every role (and no NOTIFY_URL) declares every metric docs/metrics.md lists', async () => {
      const doc = await readFile(join(REPO_ROOT, 'docs', 'metrics.md'), 'utf8');
      const documented = [...doc.matchAll(/^\| `(appliance_[a-z_]+)` +\|/gm)].map((m) => m[1]!);
      expect(documented.length).to.be.greaterThan(20);
      const declared = new Set(
        [...(await f.request('GET', '/metrics')).text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!),
      );
      expect(documented.filter((name) => !declared.has(name))).to.deep.equal([]);
    });

    it('without the edge role only the operations routes answer', async () => {
      const ops = await startApiFixture({ roles: ['order', 'payment'] });
      // A real worker process: it holds its shards and serves the operations routes only.
      try {
        expect((await ops.request('GET', '/healthz')).status).to.equal(200);
        expect((await ops.request('GET', '/readyz')).status).to.equal(200);
        expect((await ops.request('GET', '/metrics')).status).to.equal(200);
        expectProblem(await ops.request('GET', '/products'), 404, 'not-found');
        expectProblem(
          await ops.request('POST', '/auth/token', { body: { sub: 'a', role: 'admin' } }),
          404,
          'not-found',
        );
      } finally {
        await ops.close();
      }
    });
  });

  describe('rate limit', () => {
    it('429 rate-limited with Retry-After past the per-minute budget, per caller, held in Redis', async () => {
      const limited = await startApiFixture({ env: { RATE_LIMIT_PER_MINUTE: '3' } });
      try {
        const alice = await limited.tokenFor('alice', 'customer');
        const bob = await limited.tokenFor('bob', 'customer');
        await freshRateLimitWindow(10_000); // the calls below all count in one window
        for (let i = 0; i < 3; i++)
          expect((await limited.request('GET', '/messages', { token: alice })).status).to.equal(200);
        const res = await limited.request('GET', '/messages', { token: alice });
        expectProblem(res, 429, 'rate-limited');
        const retry = Number(res.headers.get('retry-after'));
        expect(retry).to.be.within(1, 60);
        expect((await limited.request('GET', '/messages', { token: bob })).status).to.equal(200);
        // Anonymous callers are counted by IP; probes are never limited.
        for (let i = 0; i < 3; i++) await limited.request('GET', '/products');
        expectProblem(await limited.request('GET', '/products'), 429, 'rate-limited');
        expect((await limited.request('GET', '/healthz')).status).to.equal(200);
        const keys = await limited.redis.keys(`${limited.keyPrefix}:rl:*`);
        expect(keys.some((k) => k.includes(':rl:sub:alice:'))).to.equal(true);
        // No proxy is trusted (TRUST_PROXY_HOPS unset): a forged X-Forwarded-For changes nothing.
        const forged = { 'x-forwarded-for': '203.0.113.7' };
        expectProblem(await limited.request('GET', '/products', { headers: forged }), 429, 'rate-limited');
      } finally {
        await limited.close();
      }
    });

    it('behind a trusted proxy (TRUST_PROXY_HOPS=1) anonymous callers are told apart by X-Forwarded-For', async () => {
      const proxied = await startApiFixture({ env: { RATE_LIMIT_PER_MINUTE: '2', TRUST_PROXY_HOPS: '1' } });
      try {
        await freshRateLimitWindow(10_000);
        const from = (ip: string) => ({ headers: { 'x-forwarded-for': `198.51.100.9, ${ip}` } });
        for (let i = 0; i < 2; i++)
          expect((await proxied.request('GET', '/products', from('203.0.113.1'))).status).to.equal(200);
        expectProblem(await proxied.request('GET', '/products', from('203.0.113.1')), 429, 'rate-limited');
        // Another client behind the same proxy has its own budget; the left entry (client-written) is ignored.
        expect((await proxied.request('GET', '/products', from('203.0.113.2'))).status).to.equal(200);
        const keys = await proxied.redis.keys(`${proxied.keyPrefix}:rl:ip:*`);
        expect(keys.some((k) => k.includes('203.0.113.1'))).to.equal(true);
        expect(keys.some((k) => k.includes('198.51.100.9'))).to.equal(false);
      } finally {
        await proxied.close();
      }
    });
  });

  describe('/openapi.json', () => {
    it('is an OpenAPI 3.1 document listing exactly the routes the routers serve', async () => {
      const res = await f.request('GET', '/openapi.json');
      expect(res.status).to.equal(200);
      const doc = res.body as {
        openapi: string;
        paths: Record<
          string,
          Record<
            string,
            {
              responses: Record<string, unknown>;
              parameters?: { name: string; in: string }[];
              security: unknown[];
            }
          >
        >;
        components: {
          securitySchemes: Record<string, { type: string; scheme: string }>;
          schemas: Record<string, unknown>;
        };
      };
      expect(doc.openapi).to.equal('3.1.0');
      expect(doc.components.securitySchemes.bearer).to.include({ type: 'http', scheme: 'bearer' });
      const served = f.edge.routers.flatMap((r) =>
        r.stack.flatMap((layer) =>
          layer.methods
            .filter((m) => m !== 'HEAD')
            .map((m) => `${m.toLowerCase()} ${openApiPath(String(layer.path))}`),
        ),
      );
      const documented = Object.entries(doc.paths).flatMap(([p, ops]) =>
        Object.keys(ops).map((m) => `${m} ${p}`),
      );
      expect([...documented].sort()).to.deep.equal([...served].sort());
      for (const expected of [
        'post /orders',
        'get /orders/{orderId}',
        'post /admin/dead-letters/{id}/replay',
        'get /healthz',
        'get /openapi.json',
      ]) {
        expect(documented).to.include(expected);
      }
      // Every path parameter is declared, and every $ref resolves.
      for (const [p, ops] of Object.entries(doc.paths)) {
        const names = [...p.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
        for (const op of Object.values(ops)) {
          const declared = (op.parameters ?? []).filter((x) => x.in === 'path').map((x) => x.name);
          expect(declared, p).to.have.members(names as string[]);
          expect(Object.keys(op.responses).length).to.be.greaterThan(0);
        }
      }
      const refs = [...res.text.matchAll(/"\$ref":"#\/components\/(\w+)\/(\w+)"/g)];
      expect(refs.length).to.be.greaterThan(0);
      for (const [, section, name] of refs) {
        expect(
          (doc.components as unknown as Record<string, Record<string, unknown>>)[section!],
        ).to.have.property(name!);
      }
      const placeOrder = doc.paths['/orders']!.post! as unknown as {
        requestBody: {
          content: { 'application/json': { schema: { additionalProperties: boolean; required: string[] } } };
        };
        responses: Record<string, unknown>;
        security: unknown[];
      };
      const schema = placeOrder.requestBody.content['application/json'].schema;
      expect(schema.additionalProperties).to.equal(false);
      expect(schema.required).to.have.members(['productId', 'quantity', 'paymentToken', 'address']);
      expect(placeOrder.responses).to.include.keys(
        '201',
        '400',
        '401',
        '402',
        '403',
        '413',
        '422',
        '429',
        '503',
      );
      expect(placeOrder.security).to.deep.equal([{ bearer: [] }]);
      expect(doc.paths['/products']!.get!.security).to.deep.equal([]);
    });
  });
});
