import { Writable } from 'node:stream';
import { expect } from 'chai';
import { Redis } from 'ioredis';
import pino from 'pino';
import { Registry } from 'prom-client';
import sinon from 'sinon';
import type { ActorBehavior, ActorRuntime } from '../../streams/index.js';
import { Keys } from '../../streams/keys.js';
import { onRunEnd, sharedRedis } from '../support/hooks.js';
import { clientList } from '../support/redis-clients.js';
import { waitFor } from '../support/processes.js';
import { RedisServer } from '../support/redis-server.js';
import { testRuntime } from '../support/runtime.js';
import { seqActor, type SeqState } from '../support/seq-actor.js';

/** A pino logger whose lines the test can count. */
function capturedLog(): { log: pino.Logger; lines: () => { msg: string; suppressed?: number }[] } {
  const out: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      out.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return {
    log: pino({ level: 'warn' }, sink),
    lines: () => out.map((l) => JSON.parse(l) as { msg: string; suppressed?: number }),
  };
}

async function count(rt: ActorRuntime, key: string): Promise<number> {
  return ((await rt.state('seq', key))?.state as SeqState | undefined)?.count ?? 0;
}

describe('runtime under connection trouble (real redis-server)', function () {
  this.timeout(60_000);
  const started: ActorRuntime[] = [];
  afterEach(async () => {
    sinon.restore();
    await Promise.all(started.splice(0).map((rt) => rt.stop()));
  });

  it('restarts a blocking read that silently stopped (watchdog), in the same process', async () => {
    const registry = new Registry();
    const { rt, redis, prefix } = await testRuntime({ shards: 1, registry });
    started.push(rt);
    rt.actor(seqActor('seq'));
    await rt.start({ requests: false });
    await rt.tell({ type: 'seq', key: 'w' }, { type: 'Step', data: { seq: 1 } });
    await waitFor(async () => (await count(rt, 'w')) === 1, { what: 'first step' });
    const epoch = await redis.get(`${prefix}:{seq:00}:epoch:seq`);

    // The known ioredis failure: a blocking command dropped at a reconnect, whose promise never
    // settles (ioredis is external to the product: this reproduces its fault, not ours).
    const realCall = Reflect.get(Redis.prototype, 'call') as (...a: unknown[]) => Promise<unknown>;
    let hungAt = 0;
    sinon.stub(Redis.prototype, 'call').callsFake(function (this: Redis, ...args: unknown[]) {
      if (hungAt === 0 && args[0] === 'XREAD' && args.includes('BLOCK')) {
        hungAt = Date.now();
        return new Promise<never>(() => undefined);
      }
      return realCall.apply(this, args);
    });
    await waitFor(() => hungAt > 0, { what: 'the read to hang' });
    await rt.tell({ type: 'seq', key: 'w' }, { type: 'Step', data: { seq: 2 } });
    await waitFor(async () => (await count(rt, 'w')) === 2, {
      timeoutMs: 20_000,
      intervalMs: 50,
      what: 'the step sent after the hang',
    });
    const resumedMs = Date.now() - hungAt;
    const text = await registry.metrics();
    expect(text).to.match(/^appliance_consumer_loop_restarts_total\{type="seq"\} [1-9]/m);
    expect(text).to.not.match(/^appliance_fenced_total\{type="seq"\} [1-9]/m);
    // Same owner, same fencing epoch: the read was restarted, not the shard taken over.
    expect(await redis.get(`${prefix}:{seq:00}:epoch:seq`)).to.equal(epoch);
    expect(rt.live()).to.equal(true);
    console.log(`      a silently stopped read resumed after ${resumedMs} ms (stall threshold 5200 ms)`);
    expect(resumedMs).to.be.at.least(5000);
  });

  it('recreates streams and groups after Redis lost its data (NOGROUP), logging rate-limited', async () => {
    const server = await RedisServer.start(); // no AOF: a restart loses everything
    onRunEnd(() => server.stop());
    const captured = capturedLog();
    const { rt, redis } = await testRuntime({ url: server.url, shards: 2, log: captured.log });
    redis.on('error', () => undefined);
    started.push(rt);
    rt.actor(seqActor('seq'));
    await rt.start({ requests: false });
    for (let seq = 1; seq <= 3; seq++)
      await rt.tell({ type: 'seq', key: 'n' }, { type: 'Step', data: { seq } });
    await waitFor(async () => (await count(rt, 'n')) === 3, { what: 'steps before the loss' });

    const outageStart = captured.lines().length; // before the kill: a first error may come at once
    await server.kill('SIGKILL');
    // The loops notice the outage (a warning or error: the log's level is warn)…
    await waitFor(() => captured.lines().length > outageStart, { what: 'a log line about the outage' });
    // …and stay down long enough to retry many times (this is the fault, not a wait for a result).
    await new Promise((r) => setTimeout(r, 3000));
    const duringOutage = captured.lines().length - outageStart;
    await server.launch();
    expect(await redis.dbsize(), 'Redis came back empty').to.be.lessThan(5);

    // A fresh life for key 'n': the state is gone with the data, the runtime must still work.
    for (let seq = 1; seq <= 5; seq++)
      await rt.tell({ type: 'seq', key: 'm' }, { type: 'Step', data: { seq } });
    await waitFor(async () => (await count(rt, 'm')) === 5, {
      timeoutMs: 30_000,
      intervalMs: 100,
      what: 'steps after the loss',
    });
    expect((await rt.state('seq', 'm'))?.state).to.include({ missing: 0, twice: 0 });
    const msgs = captured.lines().map((l) => l.msg);
    expect(
      msgs.some((m) => /consumer group was missing: recreated/.test(m)),
      msgs.join(' | '),
    ).to.equal(true);
    // 2 shard loops and one coordinator retrying for 3 s: each kind of error once per window.
    expect(
      duringOutage,
      `log lines during a 3 s outage: ${msgs.slice(outageStart).join(' | ')}`,
    ).to.be.at.most(8);
    expect(duringOutage, 'the outage was logged').to.be.at.least(1);
  });

  it('re-reads its pending entries after a failed read without counting another delivery of them', async () => {
    // A handler held in flight while the shard's blocked read is cut three times: each cut makes
    // the loop re-read its pending list (the entries of a read whose reply may be lost). Counted as
    // deliveries, as XREADGROUP from '0' did, the held entry would reach maxDeliveries (3) sound.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let entered = 0;
    const gate: ActorBehavior<{ done: number }, { type: string; data: Record<string, never> }> = {
      name: 'gate',
      initialState: () => ({ done: 0 }),
      decode: (m) => m as { type: string; data: Record<string, never> },
      async handle(s) {
        entered++;
        await held;
        return { state: { done: s.done + 1 } };
      },
    };
    const admin = new Redis((await sharedRedis()).url);
    onRunEnd(() => Promise.resolve(admin.disconnect()));
    const others = new Set((await clientList(admin)).map((c) => c.id)); // this test's reads are the new ones
    const { rt, prefix } = await testRuntime({ shards: 1, actorTypes: ['gate'], subscriberNames: [] });
    started.push(rt);
    rt.actor(gate);
    await rt.start({ requests: false });
    const keys = new Keys(prefix);
    const mailbox = keys.mailbox('gate', 0);
    const blockedReads = async () =>
      (await clientList(admin)).filter((c) => c.cmd === 'xread' && !others.has(c.id)).map((c) => c.id!);

    try {
      await rt.tell({ type: 'gate', key: 'k' }, { type: 'Hold', data: {} });
      await waitFor(() => entered === 1, { what: 'the handler holding the entry' });
      for (let cut = 1; cut <= 3; cut++) {
        const ids = await waitFor(
          async () => ((await blockedReads()).length > 0 ? blockedReads() : undefined),
          {
            what: `the shard's blocked read before cut ${cut}`,
          },
        );
        for (const id of ids) await admin.client('KILL', 'ID', id);
      }
      await waitFor(async () => (await blockedReads()).length > 0, { what: 'the read after the last cut' });
      const pending = (await admin.xpending(mailbox, 'gate', '-', '+', 10)) as [
        string,
        string,
        number,
        number,
      ][];
      expect(
        pending.map((p) => p[3]),
        'deliveries of the held entry',
      ).to.deep.equal([1]);
    } finally {
      release();
    }
    const done = async () => ((await rt.state('gate', 'k'))?.state as { done: number } | undefined)?.done;
    await waitFor(async () => (await done()) === 1, { what: 'the held entry committed' });
    expect(await admin.xlen(keys.deadLetters(keys.shard('gate', 0), 'gate')), 'dead letters').to.equal(0);
    expect(entered, 'handled once').to.equal(1);
  });
});
