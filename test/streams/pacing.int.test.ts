import { expect } from 'chai';
import { Registry } from 'prom-client';
import { Keys } from '../../streams/keys.js';
import { RateLimitedLog } from '../../streams/log.js';
import { runtimeMetrics } from '../../streams/metrics.js';
import { ShardReader } from '../../streams/shard-reader.js';
import type { Unit } from '../../streams/unit.js';
import { silentLog, testRuntime } from '../support/runtime.js';
import { seqActor, recordingSubscriber } from '../support/seq-actor.js';
import { waitFor } from '../support/processes.js';
import type { ActorRuntime } from '../../streams/index.js';

/**
 * Subscriber pacing (`subscriberPaceMs`): a subscriber shard that was caught up at its last take
 * takes again only that long after it, so what arrives meanwhile is one batch; a backlog is
 * drained without pauses. One event shard, so every event goes through the same loop.
 */
describe('subscriber pacing (real redis-server)', () => {
  const PACE_MS = 400;
  const started: ActorRuntime[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((rt) => rt.stop()));
  });

  async function pair(paceMs: number) {
    const over = { eventShards: 1, subscriberPaceMs: paceMs, blockMs: 5000 };
    const { rt: actors, redis, prefix } = await testRuntime(over);
    started.push(actors);
    actors.actor(seqActor('seq'));
    await actors.start();
    const handledAt = new Map<string, number>();
    const { rt: subscribers } = await testRuntime({ ...over, prefix });
    started.push(subscribers);
    subscribers.subscriber(
      recordingSubscriber('rec', (key) => {
        handledAt.set(key, Date.now());
        return Promise.resolve();
      }),
    );
    const step = (key: string) => actors.tell({ type: 'seq', key }, { type: 'Step', data: { seq: 1 } });
    return { actors, subscribers, redis, prefix, handledAt, step };
  }

  it('takes the events that arrive within the pace after a take as one batch, no sooner', async () => {
    const { subscribers, handledAt, step } = await pair(PACE_MS);
    await subscribers.start();
    await step('first');
    await waitFor(() => handledAt.has('first'), { what: 'the first event handled' });
    const first = handledAt.get('first')!;
    const keys = ['k1', 'k2', 'k3', 'k4', 'k5'];
    await Promise.all(keys.map(step));
    await waitFor(() => keys.every((k) => handledAt.has(k)), { what: 'five more events handled' });
    const after = keys.map((k) => handledAt.get(k)! - first);
    // The take that found `first` came just before it was handled; the next one waits the pace.
    expect(Math.min(...after), `handled ${after.join(', ')} ms after the first`).to.be.at.least(PACE_MS - 50);
  });

  it('without pacing the same events are taken at once', async () => {
    const { subscribers, handledAt, step } = await pair(0);
    await subscribers.start();
    await step('first');
    await waitFor(() => handledAt.has('first'), { what: 'the first event handled' });
    const first = handledAt.get('first')!;
    await step('k1');
    await waitFor(() => handledAt.has('k1'), { what: 'the second event handled' });
    expect(handledAt.get('k1')! - first).to.be.below(PACE_MS - 50);
  });

  it('drains a backlog in full batches without waiting between them', async () => {
    const { subscribers, redis, prefix, handledAt, step } = await pair(60_000);
    const keys = Array.from({ length: 250 }, (_, i) => `b${i}`);
    await Promise.all(keys.map(step));
    await waitFor(async () => (await redis.xlen(`${prefix}:{ev:00}:stream`)) === keys.length, {
      what: '250 events published',
    });
    await subscribers.start();
    // Batches of 100, 100 and 50: a pause of a minute between the first two would time this out.
    await waitFor(() => handledAt.size === keys.length, { what: 'the backlog of 250 handled' });
  });

  it('stops at once while a shard waits its pace', async () => {
    const { redis, prefix } = await testRuntime();
    const keys = new Keys(prefix);
    const unit: Unit = {
      kind: 'subscriber',
      group: 'rec',
      shard: 0,
      stream: keys.events(0),
      root: keys.eventShard(0),
    };
    await redis.xgroup('CREATE', unit.stream, unit.group, '$', 'MKSTREAM');
    await redis.set(keys.epoch(unit.root, unit.group), '7');
    const env = {
      redis,
      keys,
      settings: { batchSize: 100, blockMs: 5000, maxDeliveries: 3, subscriberPaceMs: 60_000 },
      metrics: runtimeMetrics(new Registry()),
      log: silentLog,
    };
    let closing = false;
    const reader = new ShardReader(
      env,
      unit,
      7,
      new RateLimitedLog(silentLog, 1000),
      new AbortController().signal,
      () => closing,
    );
    await redis.xadd(unit.stream, '*', 'm', 'one');
    expect(await reader.read('>', 100)).to.have.length(1); // caught up: the next take waits a minute
    const waking = reader.read('>', 100); // waits for the next entry
    await redis.xadd(unit.stream, '*', 'm', 'two');
    expect(await waking).to.deep.equal([]);
    const pacing = reader.read('>', 100);
    closing = true;
    reader.drop();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise((resolve) => (timer = setTimeout(resolve, 5000, 'still pacing')));
    const outcome = await Promise.race([pacing, late]);
    clearTimeout(timer);
    expect(outcome).to.equal(null);
  });
});
