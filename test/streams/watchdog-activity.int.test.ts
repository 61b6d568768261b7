/**
 * A loop that waits on slow handlers which keep getting answers (a read model's store taking
 * seconds per write, failing and retried) is working, not stuck: the watchdog does not restart
 * its read, and the process stays live. Before, the chart's liveness probe restarted such
 * projectors in a loop while their Mongo was slow (black-box finding).
 */
import { expect } from 'chai';
import { Registry } from 'prom-client';
import { encode, envelope } from '../../streams/codec.js';
import { Keys } from '../../streams/keys.js';
import type { Message, Subscriber } from '../../streams/index.js';
import { waitFor } from '../support/processes.js';
import { testRuntime } from '../support/runtime.js';

async function counter(registry: Registry, name: string): Promise<number> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  return (metric?.values ?? []).reduce((sum, v) => sum + Number(v.value), 0);
}

describe('runtime: the watchdog and slow handlers', function () {
  this.timeout(60_000);

  it('does not restart a loop whose handler attempts keep ending, however slowly', async () => {
    const registry = new Registry();
    // One entry in flight (batch size 1): while it is handled the loop itself does not move.
    // The stall limit is blockMs + 5 s; each attempt takes 1.5 s and fails until released.
    const { rt, redis, prefix } = await testRuntime({ registry, batchSize: 1, subscriberNames: ['slow'] });
    let attempts = 0;
    let released = false;
    let handled = 0;
    const slow: Subscriber<Message> = {
      name: 'slow',
      decode: (m) => m,
      async handle() {
        attempts++;
        await new Promise((r) => setTimeout(r, 1500)); // the slow store's answer time
        if (!released) throw new Error('the store answered: too busy');
        handled++;
      },
    };
    rt.subscriber(slow, { maxAttempts: Infinity, maxBackoffMs: 200 });
    await rt.start();
    try {
      const event = envelope('k', { type: 'Stepped', data: { seq: 1 } }, Date.now());
      await redis.xadd(new Keys(prefix).events(0), '*', 'm', encode(event));
      // Past twice the stall limit (5.2 s) of attempts that all failed.
      await waitFor(() => attempts >= 8, { timeoutMs: 30_000, what: '8 failed attempts' });
      expect(await counter(registry, 'appliance_consumer_loop_restarts_total'), 'reads restarted').to.equal(
        0,
      );
      expect(await counter(registry, 'appliance_consumer_stalled'), 'stalled').to.equal(0);
      released = true;
      await waitFor(() => handled === 1, { what: 'the event handled once the store answers' });
    } finally {
      await rt.stop();
    }
  });
});
