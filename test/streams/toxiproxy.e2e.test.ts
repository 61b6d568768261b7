import { expect } from 'chai';
import { Redis } from 'ioredis';
import { sharedRedis, uniquePrefix } from '../support/hooks.js';
import { waitFor } from '../support/processes.js';
import { clientList } from '../support/redis-clients.js';
import { testRuntime } from '../support/runtime.js';
import { startToxiproxy, type Proxy } from '../support/toxiproxy.js';
import { produce, startWorker, stopWorker, totals, type Worker } from '../support/workers.js';

const SHARDS = 8;
const KEYS = 40;

/**
 * How long a fault stays on. This is the fault's input, not a wait for a result: everything that
 * must happen afterwards is polled with a deadline.
 */
function holdFault(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** The highest client id among the workers' connections (they name themselves 'appliance-store'). */
async function newestWorkerConnection(redis: Redis): Promise<number> {
  const workers = (await clientList(redis)).filter((c) => c.name === 'appliance-store');
  return Math.max(0, ...workers.map((c) => Number(c.id)));
}

describe('runtime through network faults (toxiproxy, e2e)', function () {
  this.timeout(240_000);
  const workers: Worker[] = [];
  let proxy: Proxy | null = null;
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => stopWorker(w, 'SIGKILL')));
    await proxy?.clearToxics().catch(() => undefined);
    await proxy?.enable().catch(() => undefined);
    proxy = null;
  });

  it('loses nothing, applies nothing twice and keeps order through latency, resets, timeouts, a stall and a cut', async () => {
    const server = await sharedRedis();
    const prefix = uniquePrefix();
    const tp = await startToxiproxy();
    const p = await tp.createProxy(`redis-${prefix}`, `127.0.0.1:${server.port}`);
    proxy = p;
    // The producer talks to Redis directly; only the workers go through the proxy.
    const { rt, redis } = await testRuntime({ prefix, shards: SHARDS });
    // The lease TTL is the production default (5 s): an ownership round costs several sequential
    // round trips, so under 50-200 ms each a 1 s lease would expire between renewals.
    const env = {
      REDIS_URL: p.redisUrl,
      KEY_PREFIX: prefix,
      SHARDS: String(SHARDS),
      LEASE_TTL_MS: '5000',
      LOG_LEVEL: 'warn',
    };
    workers.push(await startWorker(env, { keepLogs: true }), await startWorker(env, { keepLogs: true }));
    const pids = workers.map((w) => w.child.pid);
    const send = (key: string, seq: number) =>
      rt.tell({ type: 'seq', key }, { type: 'Step', data: { seq, forward: true } });
    let produced = 0;
    const produceRounds = (n: number) =>
      produce(redis, (key, seq) => send(key, produced + seq), KEYS, n).then(() => void (produced += n));
    const metric = async (name: string) =>
      (await Promise.all(workers.map((w) => w.metric(name)))).reduce((a, b) => a + b, 0);
    const phases: string[] = [];
    const caughtUp = async (what: string, timeoutMs = 60_000) => {
      const t0 = Date.now();
      try {
        await waitFor(async () => (await totals(redis, prefix, 'sink', SHARDS, produced)).complete === KEYS, {
          timeoutMs,
          intervalMs: 100,
          what: `${what}: every key forwarded through seq to sink up to ${produced}`,
        });
      } catch (err) {
        const names = [
          'fenced',
          'rebalances',
          'messages_dead_lettered',
          'messages_handled',
          'consumer_loop_restarts',
        ];
        const seen = await Promise.all(
          names.map(async (n) => `${n} ${await metric(`appliance_${n}_total`)}`),
        );
        throw new Error(`${String(err)} (workers: ${seen.join(', ')})`);
      }
      const ms = Date.now() - t0;
      phases.push(`${what}: ${ms} ms`);
      return ms;
    };
    /** Nothing lost, nothing twice, per-key order kept, in both actor types. */
    const exact = async () => {
      const t = await totals(redis, prefix, 'sink', SHARDS, produced);
      const names = ['fenced', 'rebalances', 'consumer_loop_restarts'];
      const seen = (
        await Promise.all(names.map(async (n) => `${n} ${await metric(`appliance_${n}_total`)}`))
      ).join(', ');
      expect(t, `sink after ${phases.join('; ')} (workers: ${seen})`).to.deep.equal({
        keys: KEYS,
        count: KEYS * produced,
        missing: 0,
        twice: 0,
        complete: KEYS,
      });
      expect(await totals(redis, prefix, 'seq', SHARDS, produced)).to.deep.equal(t);
    };

    await produceRounds(5);
    await caughtUp('baseline');

    // Slow network: 25-75 ms each way, jittered.
    await p.addToxic({ type: 'latency', stream: 'downstream', latency: 50, jitter: 25 });
    await p.addToxic({ type: 'latency', stream: 'upstream', latency: 25, jitter: 25 });
    await produceRounds(5);
    await caughtUp('under latency');
    await p.clearToxics();

    // Connection resets: every connection that sends anything is reset at once, for 1.5 s.
    const beforeReset = await newestWorkerConnection(redis);
    await p.addToxic({ type: 'reset_peer', stream: 'upstream', timeout: 0 });
    await produceRounds(5);
    await holdFault(1500);
    await p.clearToxics();
    await caughtUp('after connection resets');
    expect(await newestWorkerConnection(redis), 'workers reconnected after the resets').to.be.greaterThan(
      beforeReset,
    );
    await exact();

    // Timeouts: replies vanish and each connection is closed 1 s later, for 2 s.
    await p.addToxic({ type: 'timeout', stream: 'downstream', timeout: 1000 });
    await produceRounds(5);
    await holdFault(2000);
    await p.clearToxics();
    await caughtUp('after timeouts');
    await exact();

    // A silent stall: every byte is held back 7 s, no error anywhere. Past the stall threshold
    // (block 200 ms + 5 s) the watchdog restarts the blocked reads; when the stall ends the held
    // bytes arrive in order and the workers carry on.
    const restartsBefore = await metric('appliance_consumer_loop_restarts_total');
    await p.addToxic({ type: 'latency', stream: 'downstream', latency: 7000 });
    await produceRounds(5);
    await holdFault(6500);
    await p.clearToxics();
    await caughtUp('after a 7 s stall');
    const restartsAfterStall = await metric('appliance_consumer_loop_restarts_total');
    expect(restartsAfterStall, 'the watchdog restarted stalled reads').to.be.greaterThan(restartsBefore);
    await exact();

    // A cut: the proxy closes every connection and refuses new ones for 2.5 s.
    const beforeCut = await newestWorkerConnection(redis);
    const linesBeforeCut = workers.map((w) => w.lines().length);
    await p.disable();
    await produceRounds(5);
    await holdFault(2500);
    const linesDuringCut = workers.map((w, i) => w.lines().slice(linesBeforeCut[i]));
    await p.enable();
    const afterCut = await caughtUp('after the cut');
    expect(await newestWorkerConnection(redis), 'workers reconnected after the cut').to.be.greaterThan(
      beforeCut,
    );
    await exact();

    // The reads resumed in the same processes: nobody exited or was restarted.
    expect(workers.map((w) => w.child.exitCode)).to.deep.equal([null, null]);
    expect(workers.map((w) => w.child.pid)).to.deep.equal(pids);
    // Error logs are rate-limited: no stack per reconnect attempt, at most a line per kind of
    // trouble per loop (2 actor types × 8 shards + the coordinator) in the 2.5 s cut.
    for (const lines of linesDuringCut) {
      expect(
        lines.filter((l) => l.includes('Unhandled error event')),
        'ioredis error spam',
      ).to.deep.equal([]);
      expect(lines.length, `worker log lines during the cut:\n${lines.slice(0, 5).join('\n')}`).to.be.at.most(
        2 * SHARDS + 4,
      );
    }
    const [fenced, restarts, handled] = await Promise.all(
      [
        'appliance_fenced_total',
        'appliance_consumer_loop_restarts_total',
        'appliance_messages_handled_total',
      ].map(metric),
    );
    console.log(`      ${phases.join('; ')}`);
    console.log(
      `      caught up ${afterCut} ms after the cut; handled ${handled}, fenced ${fenced}, loop restarts ${restarts}, ` +
        `log lines during the cut ${linesDuringCut.map((l) => l.length).join('/')}`,
    );
  });
});
