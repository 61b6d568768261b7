import { expect } from 'chai';
import { Redis } from 'ioredis';
import {
  DEFAULT_REPLICATION,
  ReplicaWaiter,
  connectedReplicas,
  type ReplicationPolicy,
} from '../../streams/replication.js';
import { shardOf, type ActorBehavior, type ActorRuntime } from '../../streams/index.js';
import { onRunEnd, sharedRedis } from '../support/hooks.js';
import { calls } from '../support/redis-clients.js';
import { waitFor } from '../support/processes.js';
import { RedisServer } from '../support/redis-server.js';
import { silentLog, testRuntime } from '../support/runtime.js';
import { seqActor, type SeqMsg, type SeqState } from '../support/seq-actor.js';

const DEFAULT_TIMEOUT_MS = DEFAULT_REPLICATION.timeoutMs;
/** testRuntime's shard count. */
const SHARDS = 4;
const POLICY: ReplicationPolicy = { replicas: 1, timeoutMs: 400, probeTtlMs: 1000 };

/** A master and one replica (plain replication, as in each Cluster shard), both private. */
async function replicatedPair(): Promise<{ master: RedisServer; replica: RedisServer }> {
  const master = await RedisServer.start();
  const replica = await RedisServer.start({ extraArgs: ['--replicaof', '127.0.0.1', String(master.port)] });
  onRunEnd(async () => {
    resume(replica);
    await Promise.all([replica.stop(), master.stop()]);
  });
  await waitFor(
    async () => {
      const c = new Redis(replica.port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0 });
      try {
        await c.connect();
        return /master_link_status:up/.test(await c.info('replication'));
      } finally {
        c.disconnect();
      }
    },
    { timeoutMs: 15_000, what: 'replica in sync' },
  );
  return { master, replica };
}

/** SIGSTOP: the replica keeps its connection but acknowledges nothing (a lagging replica). */
function pause(s: RedisServer): void {
  if (s.pid !== undefined) process.kill(s.pid, 'SIGSTOP');
}

function resume(s: RedisServer): void {
  if (s.pid !== undefined) process.kill(s.pid, 'SIGCONT');
}

/** WAIT commands the server has run (failed ones too): "does not wait" means none was issued. */
function waitCalls(redis: Redis): Promise<number> {
  return calls(redis, { failed: true }, 'wait');
}

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - t0 };
}

describe('durable commits wait for a replica (WAIT)', function () {
  this.timeout(60_000);
  let pair: { master: RedisServer; replica: RedisServer };
  const clients: Redis[] = [];
  const runtimes: ActorRuntime[] = [];

  before(async () => {
    pair = await replicatedPair();
  });
  afterEach(async () => {
    resume(pair.replica);
    await Promise.all(runtimes.splice(0).map((rt) => rt.stop()));
    clients.splice(0).forEach((c) => c.disconnect());
  });

  function client(url: string): Redis {
    const c = new Redis(url, { enableAutoPipelining: true, maxRetriesPerRequest: 20 });
    clients.push(c);
    return c;
  }

  it('reads the replica count from INFO replication', () => {
    expect(connectedReplicas('# Replication\r\nrole:master\r\nconnected_slaves:2\r\n')).to.equal(2);
    expect(connectedReplicas('# Replication\r\nrole:master\r\nconnected_slaves:0\r\n')).to.equal(0);
    expect(connectedReplicas('role:slave\r\n')).to.equal(0);
  });

  it('on a node with a replica: returns once the replica holds the write, which it then serves', async () => {
    const master = client(pair.master.url);
    const replica = client(pair.replica.url);
    const waiter = new ReplicaWaiter(master, silentLog, POLICY);
    for (let i = 0; i < 20; i++) {
      await master.set(`durable:${i}`, String(i));
      expect(await waiter.afterCommit(`durable:${i}`)).to.deep.equal({ kind: 'replicated', acked: 1 });
      // Read from the replica at once: WAIT returned, so it has it (no polling needed).
      expect(await replica.get(`durable:${i}`)).to.equal(String(i));
    }
  });

  it('on a node with a stalled replica: waits the whole timeout, then lets the commit stand', async () => {
    const master = client(pair.master.url);
    const waiter = new ReplicaWaiter(master, silentLog, POLICY);
    await master.set('stalled:warm', '1');
    await waiter.afterCommit('stalled:warm'); // learns the node has a replica
    pause(pair.replica);
    await master.set('stalled:1', '1');
    const { value, ms } = await timed(() => waiter.afterCommit('stalled:1'));
    expect(value).to.deep.equal({ kind: 'lagging', acked: 0, wanted: 1 });
    expect(ms).to.be.at.least(POLICY.timeoutMs - 20);
    expect(await master.get('stalled:1')).to.equal('1');
  });

  it('on a single non-replicated redis-server: does not block (numreplicas 0 is not waited for)', async () => {
    const single = client((await sharedRedis()).url);
    const waiter = new ReplicaWaiter(single, silentLog, POLICY);
    const waits = await waitCalls(single);
    for (let i = 0; i < 5; i++) {
      await single.set(`single:${process.pid}:${i}`, '1');
      expect(await waiter.afterCommit(`single:${process.pid}:${i}`)).to.deep.equal({ kind: 'unreplicated' });
    }
    expect(await waitCalls(single), 'WAIT calls').to.equal(waits);
  });

  /** A `durable` actor (as the payment actor is) answering `Ask`: the answer leaves after the WAIT. */
  const durableSeq = (): ActorBehavior<SeqState, SeqMsg> => ({ ...seqActor('seq'), durable: true });

  async function askTime(rt: ActorRuntime, key: string): Promise<number> {
    const { ms } = await timed(() => rt.request({ type: 'seq', key }, { type: 'Ask', data: {} }, 10_000));
    return ms;
  }

  it('holds a durable actor’s committed answer until the replica has it, and only a durable one', async () => {
    const { rt: durable } = await testRuntime({ url: pair.master.url });
    runtimes.push(durable);
    durable.actor(durableSeq());
    await durable.start();
    const healthy = await askTime(durable, 'a'); // also warms the replica count probe
    expect(healthy).to.be.below(2000);
    // The answer came after the WAIT: the replica already holds the actor's state.
    const replica = client(pair.replica.url);
    expect(await replica.hexists(durable.keys.state('seq', shardOf('a', SHARDS)), 'a')).to.equal(1);

    pause(pair.replica);
    // The commit is on the master at once, but the answer waits for the replica (the WAIT timeout).
    expect(await askTime(durable, 'a')).to.be.at.least(DEFAULT_TIMEOUT_MS - 20);
    resume(pair.replica);
    await durable.stop();
    runtimes.splice(0);

    const { rt: plain } = await testRuntime({ url: pair.master.url });
    runtimes.push(plain);
    plain.actor(seqActor('seq'));
    await plain.start();
    await askTime(plain, 'b');
    pause(pair.replica);
    const master = client(pair.master.url);
    const waits = await waitCalls(master);
    await askTime(plain, 'b');
    expect(await waitCalls(master), 'WAIT calls for a plain actor').to.equal(waits);
  });

  it('does not slow a durable actor on a single non-replicated redis-server', async () => {
    const { rt } = await testRuntime();
    runtimes.push(rt);
    rt.actor(durableSeq());
    await rt.start();
    await askTime(rt, 'warm');
    const shared = client((await sharedRedis()).url);
    const waits = await waitCalls(shared);
    for (let i = 0; i < 5; i++) await askTime(rt, `k${i}`);
    expect(await waitCalls(shared), 'WAIT calls').to.equal(waits);
  });
});
