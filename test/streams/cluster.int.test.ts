import { expect } from 'chai';
import type { Redis } from 'ioredis';
import {
  ActorRuntime,
  closeQuietly,
  connectRedis,
  Keys,
  type RedisClient,
  type RuntimeOptions,
} from '../../streams/index.js';
import { relay, relayAll, type OutboxItem } from '../../streams/relay.js';
import { uniquePrefix } from '../support/hooks.js';
import { waitFor } from '../support/processes.js';
import { startRedisCluster, type ClusterNode, type RedisCluster } from '../support/redis-cluster.js';
import { testRuntimeOptions } from '../support/runtime.js';
import { recordingSubscriber, seqActor, type SeqState } from '../support/seq-actor.js';
import { produce, startWorker, stopWorker, totals, type Worker } from '../support/workers.js';

const SHARDS = 8;

/**
 * `totals` reads states with HGETALL only; a Cluster client answers it the same way (each shard's
 * hash lives whole on one node), but the helper is typed for a single-node client.
 */
const asTotalsClient = (c: RedisClient): Redis => c as unknown as Redis;

describe('runtime on Redis Cluster (3 masters)', function () {
  this.timeout(120_000);
  let cluster: RedisCluster;
  const clients: RedisClient[] = [];
  const runtimes: ActorRuntime[] = [];
  const workers: Worker[] = [];

  before(async () => {
    cluster = await startRedisCluster();
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => stopWorker(w, 'SIGKILL')));
    await Promise.all(runtimes.splice(0).map((rt) => rt.stop()));
    await Promise.all(clients.splice(0).map((c) => closeQuietly(c)));
  });

  function client(): RedisClient {
    const c = connectRedis({ url: null, clusterNodes: cluster.nodes }, 'cluster-test');
    c.on('error', () => undefined); // redirections and reconnects are handled by ioredis
    clients.push(c);
    return c;
  }

  function runtime(redis: RedisClient, prefix: string, over: Partial<RuntimeOptions> = {}): ActorRuntime {
    const rt = new ActorRuntime(testRuntimeOptions(redis, prefix, { shards: SHARDS, ...over }));
    runtimes.push(rt);
    return rt;
  }

  /** The masters holding `key` for each shard of `type` (asked of the node itself, not computed). */
  async function holders(prefix: string, key: (k: Keys, shard: number) => string): Promise<Set<number>> {
    const k = new Keys(prefix);
    const ports = new Set<number>();
    for (let s = 0; s < SHARDS; s++) {
      const name = key(k, s);
      const node: ClusterNode = await cluster.nodeOf(name);
      const exists = await cluster.onNode(node, (c) => c.exists(name));
      expect(exists, `${name} on ${node.port}`).to.equal(1);
      ports.add(node.port);
    }
    return ports;
  }

  it('puts every key of a shard in one slot and spreads the shards over all three masters', async () => {
    const k = new Keys(uniquePrefix());
    const masters = new Set<number>();
    for (let s = 0; s < SHARDS; s++) {
      const root = k.shard('seq', s);
      const all = [
        k.mailbox('seq', s),
        k.state('seq', s),
        k.outbox('seq', s),
        k.seen('seq', s),
        k.timers('seq', s),
        k.lease(root, 'seq'),
        k.epoch(root, 'seq'),
        k.deadLetters(root, 'seq'),
      ];
      const nodes = await Promise.all(all.map((key) => cluster.nodeOf(key)));
      expect(new Set(nodes.map((n) => n.port)).size, `shard ${s} in one slot`).to.equal(1);
      masters.add(nodes[0]!.port);
    }
    expect([...masters].sort()).to.deep.equal(cluster.masters.map((m) => m.port).sort());
  });

  it('runs in-process: order per key, outbox forwarding, events to subscribers, request/reply', async () => {
    const prefix = uniquePrefix();
    const redis = client();
    const rec = `${prefix}:recorded`;
    const rt = runtime(redis, prefix);
    rt.actor(seqActor('seq', 'sink'))
      .actor(seqActor('sink', 'sink'))
      .subscriber(
        recordingSubscriber(
          'rec',
          async (_key, _seq, eventId) => void (await redis.hincrby(rec, eventId, 1)),
        ),
      );
    await rt.start();
    const send = (key: string, seq: number) =>
      rt.tell({ type: 'seq', key }, { type: 'Step', data: { seq, forward: true } });
    await produce(asTotalsClient(redis), send, 40, 25);
    const t = await waitFor(
      async () => {
        const x = await totals(asTotalsClient(redis), prefix, 'sink', SHARDS, 25);
        return x.complete === 40 ? x : null;
      },
      { timeoutMs: 60_000, intervalMs: 100, what: 'every sink key at 25' },
    );
    expect(t).to.deep.equal({ keys: 40, count: 1000, missing: 0, twice: 0, complete: 40 });
    expect(await totals(asTotalsClient(redis), prefix, 'seq', SHARDS, 25)).to.deep.equal(t);

    // Both actor types publish one event per Step: 2 × 1000 distinct events, each recorded once.
    await waitFor(async () => (await redis.hlen(rec)) >= 2000, {
      timeoutMs: 30_000,
      what: '2000 recorded events',
    });
    const perEvent = Object.values(await redis.hgetall(rec)).map(Number);
    expect(perEvent.length).to.equal(2000);
    expect(
      perEvent.every((n) => n === 1),
      'no event handled twice',
    ).to.equal(true);

    // A durable timer: the zset lives in the shard's slot, the due message goes through the outbox.
    const t0 = Date.now();
    await rt.tell({ type: 'seq', key: 'timer-key' }, { type: 'Later', data: { delayMs: 300 } });
    await waitFor(
      async () => ((await rt.state('seq', 'timer-key'))?.state as SeqState | undefined)?.count === 1000,
      {
        timeoutMs: 15_000,
        what: 'the timer to fire',
      },
    );
    expect(Date.now() - t0).to.be.at.least(300);

    const reply = await rt.request({ type: 'seq', key: 'key-7' }, { type: 'Ask', data: {} }, 5000);
    expect(reply).to.deep.equal({ count: 25, key: 'key-7' });
    expect(((await rt.state('sink', 'key-7'))?.state as SeqState).last).to.equal(25);

    // States and mailboxes really live on all three masters.
    const stateNodes = await holders(prefix, (k, s) => k.state('sink', s));
    expect(stateNodes.size).to.equal(3);
    const streams = await holders(prefix, (k, s) => k.mailbox('seq', s));
    expect(streams.size).to.equal(3);
  });

  it('relays across slots per destination: a failing one keeps only its own entries, in order; a stale re-send appends nothing', async () => {
    const prefix = uniquePrefix();
    const redis = client();
    const k = new Keys(prefix);
    const outbox = k.outbox('seq', 0);
    // Two destinations on masters other than each other (the outbox's may be either).
    const home = (await cluster.nodeOf(k.mailbox('sink', 0))).port;
    let other = 1;
    while ((await cluster.nodeOf(k.mailbox('sink', other))).port === home) other++;
    const good = k.mailbox('sink', 0);
    const broken = k.mailbox('sink', other);
    const reply = k.replies('edge-1');
    await redis.set(broken, 'not a stream'); // XADD to it fails with WRONGTYPE
    const items: OutboxItem[] = [];
    for (const [dest, json] of [
      [good, 'g1'],
      [broken, 'x1'],
      [good, 'g2'],
      [reply, 'r1'],
      [broken, 'x2'],
    ] as const) {
      items.push({ id: (await redis.xadd(outbox, '*', 'd', dest, 'm', json))!, dest, json });
    }
    const bodies = async (stream: string) => (await redis.xrange(stream, '-', '+')).map((e) => e[1][1]);
    const left = async () => (await redis.xrange(outbox, '-', '+')).map((e) => e[1][3]);

    expect(String(await relay(redis, outbox, items).catch((e: unknown) => e))).to.match(/WRONGTYPE/);
    expect(await bodies(good)).to.deep.equal(['g1', 'g2']);
    expect(await bodies(reply)).to.deep.equal(['r1']);
    expect(await left()).to.deep.equal(['x1', 'x2']); // only what was not appended
    // Retried while the destination still fails: the others get nothing again.
    expect(String(await relayAll(redis, outbox).catch((e: unknown) => e))).to.match(/WRONGTYPE/);
    expect(String(await relay(redis, outbox, items).catch((e: unknown) => e))).to.match(/WRONGTYPE/);
    expect(await bodies(good)).to.deep.equal(['g1', 'g2']);
    expect(await left()).to.deep.equal(['x1', 'x2']);

    await redis.del(broken);
    expect(await relayAll(redis, outbox)).to.equal(2);
    expect(await bodies(broken)).to.deep.equal(['x1', 'x2']);
    // An owner that paused holding this batch wakes up and relays it: everything was relayed.
    await relay(redis, outbox, items);
    expect(await bodies(good)).to.deep.equal(['g1', 'g2']);
    expect(await bodies(broken)).to.deep.equal(['x1', 'x2']);
    expect(await bodies(reply)).to.deep.equal(['r1']);
    expect(await redis.xlen(outbox)).to.equal(0);
  });

  it('runs in worker processes (REDIS_CLUSTER_NODES): nothing lost or doubled across a scale-out and a SIGTERM', async () => {
    const prefix = uniquePrefix();
    const redis = client();
    const producer = runtime(redis, prefix);
    const env = {
      REDIS_CLUSTER_NODES: cluster.nodesEnv,
      KEY_PREFIX: prefix,
      SHARDS: String(SHARDS),
      LEASE_TTL_MS: '1000',
    };
    workers.push(await startWorker(env));
    const send = (key: string, seq: number) =>
      producer.tell({ type: 'seq', key }, { type: 'Step', data: { seq, forward: true } });
    await produce(asTotalsClient(redis), send, 50, 60, async (seq) => {
      if (seq === 15) workers.push(await startWorker(env));
      if (seq === 40) await stopWorker(workers.shift()!, 'SIGTERM');
    });
    const t = await waitFor(
      async () => {
        const x = await totals(asTotalsClient(redis), prefix, 'sink', SHARDS, 60);
        return x.complete === 50 ? x : null;
      },
      { timeoutMs: 90_000, intervalMs: 200, what: 'every sink key at 60' },
    );
    expect(t).to.deep.equal({ keys: 50, count: 3000, missing: 0, twice: 0, complete: 50 });
    expect(await totals(asTotalsClient(redis), prefix, 'seq', SHARDS, 60)).to.deep.equal(t);
    expect(await workers[0]!.metric('appliance_messages_handled_total')).to.be.greaterThan(0);
    expect((await holders(prefix, (k, s) => k.state('sink', s))).size).to.equal(3);
  });
});
