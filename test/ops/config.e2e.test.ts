/**
 * The chart's ConfigMap drives the product: a process started with exactly the environment
 * `helm template` renders (config.shards, config.logLevel, config.rateLimitPerMinute, …) behaves
 * as the chart's README and the API contract say.
 */
import { expect } from 'chai';
import { customer } from '../store/fixture.js';
import { startFakeGateway, type FakeGateway } from '../support/fake-gateway.js';
import { sharedRedis, uniquePrefix } from '../support/hooks.js';
import { waitFor } from '../support/processes.js';
import { freshRateLimitWindow } from '../support/rate-limit.js';
import { startStoreProcess, StoreClient, type StoreProcess } from '../support/store-process.js';
import { configMapEnv } from './chart-queries.js';

/** The values under test; maxReplicas follows the shard count (the chart refuses more). */
const TUNED = [
  'config.shards=3',
  'config.eventShards=2',
  'config.logLevel=debug',
  'config.rateLimitPerMinute=5',
  'autoscaling.maxReplicas=2',
];

const ORDER = { productId: 'wm-100', quantity: 1, paymentToken: 'tok_visa', address: '1 Main Street' };

/** Start one process (every role) with the ConfigMap's data as its whole product environment. */
async function startFromChart(set: readonly string[]): Promise<StoreProcess> {
  const env = await configMapEnv({ set });
  delete env.PORT; // the test picks a free port (--port wins over PORT)
  return startStoreProcess({ roles: 'all', env: { LEASE_TTL_MS: '1500', ...env } });
}

const ownedShards = async (p: StoreProcess, type: string): Promise<number> => {
  const text = await (await fetch(`${p.url}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith(`appliance_shard_owned{type="${type}"`) && l.endsWith(' 1')).length;
};

describe('chart configuration changes behaviour as documented (e2e)', function () {
  this.timeout(90_000);
  let redisUrl: string;
  let gateway: FakeGateway;
  before(async () => {
    redisUrl = (await sharedRedis()).url;
    gateway = await startFakeGateway();
  });
  const notified = (orderId: string) => () =>
    gateway.delivered().some((d) => (d.body as { orderId?: string }).orderId === orderId);
  const base = (): string[] => [
    `redis.url=${redisUrl}`,
    `config.keyPrefix=${uniquePrefix()}`,
    'config.authMode=dev',
    'auth.jwtSecret=chart-test-secret-0123456789abcdefghijkl',
    `config.notifyUrl=${gateway.url}`,
  ];

  it('config.shards / eventShards, logLevel debug and rateLimitPerMinute reach the process', async () => {
    const env = await configMapEnv({
      set: [...base(), ...TUNED],
    });
    expect(env).to.include({
      SHARDS: '3',
      EVENT_SHARDS: '2',
      LOG_LEVEL: 'debug',
      RATE_LIMIT_PER_MINUTE: '5',
    });
    const p = await startFromChart([...base(), ...TUNED]);
    try {
      // SHARDS: one process owns every shard of each actor type, EVENT_SHARDS those of the subscribers.
      await waitFor(async () => (await ownedShards(p, 'order')) === 3, { what: '3 order shards owned' });
      expect(await ownedShards(p, 'store')).to.equal(3);
      expect(await ownedShards(p, 'projector')).to.equal(2);
      expect(await ownedShards(p, 'notifier')).to.equal(2);

      // LOG_LEVEL=debug: debug lines (level 20) appear, e.g. a sent notification.
      const client = new StoreClient(p.url);
      const placed = await client.call<{ orderId: string }>('POST', '/orders', customer('c-log'), ORDER);
      expect(placed.status).to.equal(201);
      await waitFor(notified(placed.body.orderId), {
        timeoutMs: 15_000,
        what: 'the OrderPlaced notification',
      });
      await waitFor(
        () =>
          p
            .output()
            .split('\n')
            .some((l) => l.includes('"level":20') && l.includes('notification sent')),
        {
          what: 'the debug line of a sent notification',
        },
      );

      // RATE_LIMIT_PER_MINUTE=5: the sixth call of one caller within the minute is refused.
      const who = customer('c-rate');
      const statuses: number[] = [];
      await freshRateLimitWindow(10_000); // the seven calls below all count in one window
      for (let i = 0; i < 6; i++) statuses.push((await client.call('GET', '/myPages', who)).status);
      expect(statuses).to.deep.equal([200, 200, 200, 200, 200, 429]);
      const refused = await client.call<{ code: string }>('GET', '/myPages', who);
      expect(refused.body.code).to.equal('rate-limited');
      expect(Number(refused.headers.get('retry-after'))).to.be.greaterThan(0);
    } finally {
      expect(await p.stop()).to.equal(0);
    }
  });

  it('the default logLevel (info) writes no debug lines and the default rate limit lets a burst through', async () => {
    const p = await startFromChart(base());
    try {
      await waitFor(async () => (await ownedShards(p, 'order')) === 16, {
        what: 'the default 16 shards owned',
      });
      const client = new StoreClient(p.url);
      const placed = await client.call<{ orderId: string }>('POST', '/orders', customer('c-info'), ORDER);
      expect(placed.status).to.equal(201);
      await waitFor(notified(placed.body.orderId), {
        timeoutMs: 15_000,
        what: 'the OrderPlaced notification',
      });
      expect(p.output()).to.include('"level":30');
      const burst = await Promise.all(
        Array.from({ length: 20 }, () => client.call('GET', '/myPages', customer('c-info'))),
      );
      expect(burst.map((r) => r.status).filter((s) => s !== 200)).to.deep.equal([]);
      expect(
        p
          .output()
          .split('\n')
          .filter((l) => l.includes('"level":20')),
      ).to.deep.equal([]);
    } finally {
      expect(await p.stop()).to.equal(0);
    }
  });
});
