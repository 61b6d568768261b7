import { expect } from 'chai';
import { Redis } from 'ioredis';
import { sharedRedis, uniquePrefix, onRunEnd } from '../support/hooks.js';
import { waitFor } from '../support/processes.js';
import { RedisServer } from '../support/redis-server.js';
import { testRuntime } from '../support/runtime.js';
import { produce, startWorker, stopWorker, totals, type Worker } from '../support/workers.js';

const SHARDS = 8;

async function setup(url?: string) {
  const prefix = uniquePrefix();
  const redisUrl = url ?? (await sharedRedis()).url;
  const { rt, redis } = await testRuntime({ prefix, url: redisUrl, shards: SHARDS });
  const env = { REDIS_URL: redisUrl, KEY_PREFIX: prefix, SHARDS: String(SHARDS), LEASE_TTL_MS: '1000' };
  const send = (key: string, seq: number) =>
    rt.tell({ type: 'seq', key }, { type: 'Step', data: { seq, forward: true } });
  return { prefix, redis, env, send };
}

async function allDone(redis: Redis, prefix: string, keys: number, perKey: number) {
  return waitFor(
    async () => {
      const t = await totals(redis, prefix, 'sink', SHARDS, perKey);
      return t.complete === keys ? t : null;
    },
    { timeoutMs: 60_000, intervalMs: 100, what: `${keys} keys to reach ${perKey}` },
  );
}

/** Time until every shard's lease is held by one of `owners`. */
async function leasesHeldBy(redis: Redis, prefix: string, owners: readonly string[]): Promise<void> {
  await waitFor(
    async () => {
      for (const type of ['seq', 'sink']) {
        for (let s = 0; s < SHARDS; s++) {
          const owner = await redis.get(`${prefix}:{${type}:0${s}}:lease:${type}`);
          if (owner === null || !owners.includes(owner)) return false;
        }
      }
      return true;
    },
    { timeoutMs: 20_000, intervalMs: 10, what: 'every shard owned by the survivors' },
  );
}

describe('runtime with worker processes (e2e)', function () {
  this.timeout(120_000);
  const workers: Worker[] = [];
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => stopWorker(w, 'SIGKILL')));
  });

  it('keeps per-key order while scaling 1 → 3 → 1 (10,000 messages, 100 keys)', async () => {
    const { prefix, redis, env, send } = await setup();
    workers.push(await startWorker(env));
    const exitCodes: (number | null)[] = [];
    await produce(redis, send, 100, 100, async (seq) => {
      if (seq === 25) workers.push(await startWorker(env), await startWorker(env));
      if (seq === 70)
        exitCodes.push(...(await Promise.all(workers.splice(1).map((w) => stopWorker(w, 'SIGTERM')))));
    });
    expect(exitCodes, 'a drained worker exits 0').to.deep.equal([0, 0]);
    const t = await allDone(redis, prefix, 100, 100);
    expect(t).to.deep.equal({ keys: 100, count: 10_000, missing: 0, twice: 0, complete: 100 });
    const seq = await totals(redis, prefix, 'seq', SHARDS, 100);
    expect(seq).to.deep.equal({ keys: 100, count: 10_000, missing: 0, twice: 0, complete: 100 });
  });

  it('loses nothing and applies nothing twice when a worker is killed with SIGKILL mid-stream', async () => {
    const { prefix, redis, env, send } = await setup();
    const a = await startWorker(env);
    const b = await startWorker(env);
    workers.push(a, b);
    // Measured from the kill while the production goes on, so its time is not counted.
    let takeover: Promise<number> | null = null;
    await produce(redis, send, 50, 100, async (seq) => {
      if (seq === 40) {
        await stopWorker(a, 'SIGKILL');
        const killedAt = Date.now();
        takeover = leasesHeldBy(redis, prefix, [b.processId]).then(() => Date.now() - killedAt);
        takeover.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
      }
    });
    expect(takeover, 'the worker was killed').to.not.equal(null);
    const takeoverMs = await takeover!;
    const t = await allDone(redis, prefix, 50, 100);
    expect(t).to.deep.equal({ keys: 50, count: 5000, missing: 0, twice: 0, complete: 50 });
    console.log(`      takeover after SIGKILL: ${takeoverMs} ms (lease TTL 1000 ms)`);
    expect(takeoverMs).to.be.below(5000);
  });

  it('fences a zombie: SIGSTOP past its lease, takeover, SIGCONT: its commits are refused', async () => {
    const { prefix, redis, env, send } = await setup();
    const a = await startWorker({ ...env, BATCH_SIZE: '500' });
    workers.push(a);
    await produce(redis, send, 50, 20);
    a.child.kill('SIGSTOP');
    const b = await startWorker(env);
    workers.push(b);
    await produce(redis, async (key, seq) => send(key, seq + 20), 50, 20);
    await leasesHeldBy(redis, prefix, [b.processId]);
    await allDone(redis, prefix, 50, 40);
    a.child.kill('SIGCONT');
    const fenced = await waitFor(async () => (await a.metric('appliance_fenced_total')) || null, {
      what: 'zombie fenced',
    });
    expect(fenced).to.be.greaterThan(0);
    await produce(redis, async (key, seq) => send(key, seq + 40), 50, 10);
    const t = await allDone(redis, prefix, 50, 50);
    expect(t).to.deep.equal({ keys: 50, count: 2500, missing: 0, twice: 0, complete: 50 });
  });

  it('dead-letters a poison message that crashes the process, after N deliveries, and only it', async () => {
    const { prefix, env } = await setup();
    // The poison sits among ordinary work on the same shard (all keys on one shard here).
    const workerEnv = { ...env, SHARDS: '1', MAX_DELIVERIES: '3' };
    const { rt: one } = await testRuntime({ prefix, shards: 1 });
    for (let seq = 1; seq <= 5; seq++)
      await one.tell({ type: 'seq', key: 'before' }, { type: 'Step', data: { seq } });
    await one.tell({ type: 'seq', key: 'poison' }, { type: 'Poison', data: { mode: 'crash' } });
    for (let seq = 1; seq <= 5; seq++)
      await one.tell({ type: 'seq', key: 'after' }, { type: 'Step', data: { seq } });
    // A supervisor, as Kubernetes would be: restart the worker whenever it dies, one at a time.
    let crashes = 0;
    let lettered = false;
    const deadLettered = waitFor(async () => (await one.deadLetters(10)).length > 0, {
      timeoutMs: 90_000,
      intervalMs: 50,
      what: 'the crashing poison to be dead-lettered',
    }).then(() => {
      lettered = true;
    });
    for (let life = 1; !lettered; life++) {
      expect(life, 'worker lives before the poison was dead-lettered').to.be.at.most(5);
      const w = await startWorker(workerEnv);
      workers.push(w);
      const exited = new Promise<number | null>((resolve) => {
        if (w.child.exitCode !== null) resolve(w.child.exitCode);
        else w.child.once('exit', (c) => resolve(c));
      });
      // Wait for this worker to die or for the dead letter (which also rejects on its deadline).
      const code = await Promise.race([exited, deadLettered.then(() => null)]);
      if (code === 17) crashes++;
    }
    const letters = await one.deadLetters(10);
    expect(letters).to.have.length(1);
    expect(letters[0]!.error).to.match(/delivered 4 times/);
    expect(crashes).to.equal(3);
    const st = async (key: string) =>
      (await one.state('seq', key))?.state as { count: number; twice: number } | undefined;
    await waitFor(async () => (await st('after'))?.count === 5, { what: 'work after the poison is handled' });
    expect(await st('before')).to.include({ count: 5, twice: 0 });
    expect(await st('after')).to.include({ count: 5, twice: 0 });
  });

  it('resumes after redis-server is killed with SIGKILL and restarted with AOF, losing nothing acked', async () => {
    const server = await RedisServer.start({ appendonly: true, appendfsync: 'always' });
    onRunEnd(() => server.stop());
    const { prefix, redis, env, send } = await setup(server.url);
    redis.on('error', () => undefined);
    workers.push(await startWorker(env));
    await produce(redis, send, 50, 60);
    await waitFor(async () => (await totals(redis, prefix, 'sink', SHARDS, 60)).count > 300, {
      what: 'some progress',
    });
    await server.kill('SIGKILL');
    await server.launch();
    const t = await allDone(redis, prefix, 50, 60);
    expect(t).to.deep.equal({ keys: 50, count: 3000, missing: 0, twice: 0, complete: 50 });
  });
});
