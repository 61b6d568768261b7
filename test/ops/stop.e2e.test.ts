/**
 * SIGTERM of a store whose Redis is gone: nothing can be flushed or released, so the graceful stop
 * cannot finish. It gives up after STOP_TIMEOUT_MS (exit 1, one error line saying why), and a
 * second signal ends it at once. Before, such a store went on stopping forever.
 */
import { expect } from 'chai';
import type { ChildProcess } from 'node:child_process';
import { uniquePrefix } from '../support/hooks.js';
import { waitFor } from '../support/processes.js';
import { RedisServer } from '../support/redis-server.js';
import { startStoreProcess, storeEnv, StoreClient, type StoreProcess } from '../support/store-process.js';

function exitOf(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** Whether `p` settles within `ms` (the test's bound, far above what the store is given). */
async function settlesWithin<T>(p: Promise<T>, ms: number): Promise<T | 'still running'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'still running'>((resolve) => {
    timer = setTimeout(() => resolve('still running'), ms);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

describe('stop while Redis is gone (real processes)', function () {
  this.timeout(90_000);
  let redis: RedisServer;
  let store: StoreProcess | null = null;

  beforeEach(async () => {
    redis = await RedisServer.start();
    store = await startStoreProcess({
      env: storeEnv(redis.url, uniquePrefix(), { STOP_TIMEOUT_MS: '3000', LOG_LEVEL: 'info' }),
    });
    // An order, so the shards have work behind them, then Redis goes away.
    const client = new StoreClient(store.url);
    const placed = await client.call(
      'POST',
      '/orders',
      { sub: 'c-stop', role: 'customer' },
      {
        productId: 'wm-100',
        quantity: 1,
        paymentToken: 'tok_visa',
        address: '1 Main Street',
      },
    );
    expect(placed.status).to.equal(201);
    await redis.kill();
  });
  afterEach(async () => {
    await store?.stop('SIGKILL');
    await redis.stop();
  });

  it('gives up after STOP_TIMEOUT_MS: exit 1 with one error line saying why', async () => {
    const exited = exitOf(store!.child);
    store!.child.kill('SIGTERM');
    const code = await settlesWithin(exited, 30_000);
    expect(code, store!.output().slice(-2000)).to.equal(1);
    const lines = store!.output().split('\n');
    expect(lines.some((l) => l.includes('"msg":"stopping"'))).to.equal(true);
    expect(lines.filter((l) => l.includes('the stop did not finish in time'))).to.have.length(1);
  });

  it('a second signal ends it at once (exit 1)', async () => {
    const exited = exitOf(store!.child);
    store!.child.kill('SIGTERM');
    // Once the first is being handled (its line is out), the second one.
    await waitFor(() => store!.output().includes('"msg":"stopping"'), {
      intervalMs: 10,
      what: 'the stop begun',
    });
    store!.child.kill('SIGINT');
    const code = await settlesWithin(exited, 2500);
    expect(code, 'exited before STOP_TIMEOUT_MS (3 s) would have ended it').to.equal(1);
    expect(store!.output()).to.include('second signal: exiting now');
  });
});
