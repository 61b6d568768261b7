import { expect } from 'chai';
import sinon from 'sinon';
import { ActorHandling } from '../../streams/actor-handling.js';
import { Script, scripts } from '../../streams/scripts.js';
import { testRuntime } from '../support/runtime.js';
import { Keys } from '../../streams/keys.js';
import { seqActor, recordingSubscriber, type SeqState } from '../support/seq-actor.js';
import { waitFor } from '../support/processes.js';
import { TerminalError, type ActorRuntime } from '../../streams/index.js';
import { encode, envelope } from '../../streams/codec.js';

async function stateOf(rt: ActorRuntime, type: string, key: string): Promise<SeqState | null> {
  const s = await rt.state(type, key);
  return s ? (s.state as SeqState) : null;
}

describe('actor runtime (real redis-server)', () => {
  const started: ActorRuntime[] = [];
  afterEach(async () => {
    sinon.restore();
    await Promise.all(started.splice(0).map((rt) => rt.stop()));
  });

  it('handles every message once, in order per key, and forwards to other actors', async () => {
    const { rt } = await testRuntime();
    started.push(rt);
    rt.actor(seqActor('seq')).actor(seqActor('sink'));
    await rt.start();
    const keys = Array.from({ length: 10 }, (_, i) => `k${i}`);
    for (let seq = 1; seq <= 50; seq++) {
      await Promise.all(
        keys.map((key) => rt.tell({ type: 'seq', key }, { type: 'Step', data: { seq, forward: true } })),
      );
    }
    for (const key of keys) {
      const s = await waitFor(
        async () => {
          const st = await stateOf(rt, 'sink', key);
          return st && st.count === 50 ? st : null;
        },
        { what: `sink ${key} to reach 50` },
      );
      expect(s).to.deep.include({ last: 50, count: 50, missing: 0, twice: 0 });
      expect(await stateOf(rt, 'seq', key)).to.deep.include({ count: 50, missing: 0, twice: 0 });
    }
  });

  it('on one node, a commit appends its messages to their mailboxes itself; a durable actor uses the outbox', async () => {
    const { rt, redis, prefix } = await testRuntime({ shards: 1 });
    started.push(rt);
    rt.actor(seqActor('seq'))
      .actor({ ...seqActor('pay'), durable: true })
      .actor(seqActor('sink'));
    await rt.start();
    for (let seq = 1; seq <= 20; seq++) {
      await rt.tell({ type: 'seq', key: 'k' }, { type: 'Step', data: { seq, forward: true } });
      await rt.tell({ type: 'pay', key: 'p' }, { type: 'Step', data: { seq, forward: true } });
    }
    for (const key of ['k', 'p']) {
      await waitFor(async () => (await stateOf(rt, 'sink', key))?.count === 20, {
        what: `sink ${key} at 20`,
      });
      expect(await stateOf(rt, 'sink', key)).to.deep.include({ last: 20, missing: 0, twice: 0 });
    }
    const keys = new Keys(prefix);
    const added = async (type: string) => {
      const info = (await redis.call('XINFO', 'STREAM', keys.outbox(type, 0)).catch(() => null)) as
        unknown[] | null;
      return info ? Number(info[info.indexOf('entries-added') + 1]) : 0;
    };
    expect(await added('seq')).to.equal(0);
    expect(await added('pay')).to.equal(40); // each step: one message to the sink, one event
  });

  it('answers requests (request/reply) and times out when nobody runs the actor', async () => {
    const { rt } = await testRuntime();
    started.push(rt);
    rt.actor(seqActor('seq'));
    await rt.start();
    await rt.tell({ type: 'seq', key: 'a' }, { type: 'Step', data: { seq: 1 } });
    const reply = await rt.request({ type: 'seq', key: 'a' }, { type: 'Ask', data: {} }, 5000);
    expect(reply).to.deep.equal({ count: 1, key: 'a' });
    const err = await rt
      .request({ type: 'sink', key: 'a' }, { type: 'Ask', data: {} }, 300)
      .catch((e: unknown) => e);
    expect(err).to.have.property('code', 'timeout');
  });

  it('dead-letters a poison message without blocking other keys, and replays it', async () => {
    const { rt } = await testRuntime({ maxDeliveries: 3 });
    started.push(rt);
    rt.actor(seqActor('seq'), 2);
    await rt.start();
    await rt.tell({ type: 'seq', key: 'bad' }, { type: 'Poison', data: { mode: 'throw' } });
    await rt.tell({ type: 'seq', key: 'bad' }, { type: 'Step', data: { seq: 1 } });
    for (let i = 0; i < 20; i++)
      await rt.tell({ type: 'seq', key: `good${i}` }, { type: 'Step', data: { seq: 1 } });
    for (let i = 0; i < 20; i++) {
      await waitFor(async () => (await stateOf(rt, 'seq', `good${i}`))?.count === 1, { what: `good${i}` });
    }
    const letters = await waitFor(
      async () => {
        const d = await rt.deadLetters(10);
        return d.length === 1 ? d : null;
      },
      { what: 'one dead letter' },
    );
    expect(letters[0]!.error).to.match(/transient failure/);
    // The poison blocked only its own key, and only until it was dead-lettered.
    await waitFor(async () => (await stateOf(rt, 'seq', 'bad'))?.count === 1, { what: 'bad key resumes' });
    expect(await rt.replay(letters[0]!.id)).to.equal(true);
    await waitFor(
      async () =>
        (await rt.deadLetters(10)).length === 1 && (await rt.deadLetters(10))[0]!.id !== letters[0]!.id,
      {
        what: 'replayed poison dead-lettered again',
      },
    );
    expect(await rt.replay('actor.seq.0.1-1')).to.equal(false);
  });

  it('two concurrent replays of one dead letter put one message back, with its own id', async () => {
    const { rt, redis, prefix } = await testRuntime();
    const keys = new Keys(prefix);
    const dlq = keys.deadLetters(keys.shard('seq', 0), 'seq');
    const payload = encode(envelope('k', { type: 'Step', data: { seq: 1 } }, Date.now()));
    const entry = await redis.xadd(dlq, '*', 'entry', '1-1', 'error', 'Error: x', 'm', payload, 'at', '1');
    const id = `actor.seq.0.${entry!}`;
    // Three admins (or a client retrying after a timeout) at once.
    const results = await Promise.all([rt.replay(id), rt.replay(id), rt.replay(id)]);
    expect(results.filter((r) => r)).to.have.length(1);
    const mbx = await redis.xrange(keys.mailbox('seq', 0), '-', '+');
    expect(mbx.map((e) => e[1])).to.deep.equal([['m', payload]]);
    expect(await redis.xlen(dlq)).to.equal(0);
    expect(await rt.replay(id)).to.equal(false);
  });

  it('a replayed dead letter whose message was committed meanwhile is dropped as a duplicate', async () => {
    const { rt, redis, prefix } = await testRuntime();
    started.push(rt);
    rt.actor(seqActor('seq'));
    await rt.start();
    const keys = new Keys(prefix);
    const mbx = rt.router.mailbox({ type: 'seq', key: 'dk' });
    const shard = [0, 1, 2, 3].find((s) => keys.mailbox('seq', s) === mbx)!;
    const payload = encode(envelope('dk', { type: 'Step', data: { seq: 1 } }, Date.now()));
    // One copy of the message is committed; another copy (a relay duplicate) was dead-lettered.
    await redis.xadd(mbx, '*', 'm', payload);
    await waitFor(async () => (await stateOf(rt, 'seq', 'dk'))?.count === 1, { what: 'the first copy' });
    const dlq = keys.deadLetters(keys.shard('seq', shard), 'seq');
    const entry = await redis.xadd(dlq, '*', 'entry', '1-1', 'error', 'Error: x', 'm', payload, 'at', '1');
    expect(await rt.replay(`actor.seq.${shard}.${entry!}`)).to.equal(true);
    await waitFor(async () => (await redis.xlen(mbx)) === 0, { what: 'the replayed copy handled' });
    expect(await stateOf(rt, 'seq', 'dk')).to.deep.include({ count: 1, twice: 0 });
  });

  it("replays a subscriber's dead letter to that subscriber only, not to every group of the event stream", async () => {
    const { rt, redis, prefix } = await testRuntime({ subscriberNames: ['rec', 'rec2'] });
    started.push(rt);
    const seenBy = (name: string) => `${prefix}:seen-by:${name}`;
    for (const name of ['rec', 'rec2']) {
      rt.subscriber(
        recordingSubscriber(
          name,
          async (_key, _seq, eventId) => void (await redis.hincrby(seenBy(name), eventId, 1)),
        ),
      );
    }
    await rt.start();
    const keys = new Keys(prefix);
    const event = envelope('k', { type: 'Stepped', data: { seq: 5 } }, Date.now());
    const dlq = keys.deadLetters(keys.eventShard(0), 'rec');
    const entry = await redis.xadd(
      dlq,
      '*',
      'entry',
      '1-1',
      'error',
      'Error: x',
      'm',
      encode(event),
      'at',
      '1',
    );
    expect(await rt.replay(`subscriber.rec.0.${entry!}`)).to.equal(true);
    // A later event of the same key: once rec2 has it, rec2 has read past the replayed one.
    const marker = envelope('k', { type: 'Stepped', data: { seq: 6 } }, Date.now());
    await redis.xadd(keys.events(0), '*', 'm', encode(marker));
    for (const name of ['rec', 'rec2']) {
      await waitFor(async () => (await redis.hexists(seenBy(name), marker.id)) === 1, {
        what: `${name} got the marker`,
      });
    }
    expect(await redis.hgetall(seenBy('rec'))).to.deep.equal({ [event.id]: '1', [marker.id]: '1' });
    expect(await redis.hgetall(seenBy('rec2'))).to.deep.equal({ [marker.id]: '1' });
  });

  it('fires durable timers', async () => {
    const { rt } = await testRuntime();
    started.push(rt);
    rt.actor(seqActor('seq'));
    await rt.start();
    const t0 = Date.now();
    await rt.tell({ type: 'seq', key: 't' }, { type: 'Later', data: { delayMs: 400 } });
    await waitFor(async () => (await stateOf(rt, 'seq', 't'))?.count === 1000, { what: 'timer fired' });
    expect(Date.now() - t0).to.be.at.least(400);
  });

  it('looks for due timers only when one is due: no call while none is set, one when it is', async () => {
    const ticks = sinon.spy(ActorHandling.prototype, 'tick');
    const looks = sinon.spy(scripts.dueTimers, 'run');
    const { rt } = await testRuntime();
    started.push(rt);
    rt.actor(seqActor('seq'));
    await rt.start();
    // Each of the 4 shards looks once when it starts (it cannot know what a previous owner left).
    await waitFor(() => looks.callCount === 4, { what: 'the first look of each shard' });
    const idle = ticks.callCount;
    await waitFor(() => ticks.callCount >= idle + 12, { what: 'three more ticks of each shard' });
    expect(looks.callCount, 'due-timers calls while no timer is set').to.equal(4);

    await rt.tell({ type: 'seq', key: 't' }, { type: 'Later', data: { delayMs: 400 } });
    await waitFor(async () => (await stateOf(rt, 'seq', 't'))?.count === 1000, { what: 'timer fired' });
    // One look when it was due (a tick or two of delay), none before it, none after it.
    const afterFire = looks.callCount;
    expect(afterFire - 4).to.be.within(1, 2);
    const ticked = ticks.callCount;
    await waitFor(() => ticks.callCount >= ticked + 12, { what: 'three more ticks of each shard' });
    expect(looks.callCount, 'due-timers calls once it fired').to.equal(afterFire);
  });

  it('renews every lease it holds in one call per round (one node)', async () => {
    const calls = sinon.spy(Script.prototype, 'run');
    const { rt, prefix } = await testRuntime();
    started.push(rt);
    // The spy sees every runtime in this process: count only the renewals of this test's leases.
    const ours = (keys: unknown) =>
      Array.isArray(keys) && keys.length > 0 && keys.every((k) => String(k).startsWith(`${prefix}:`));
    const renewals = () =>
      calls
        .getCalls()
        .filter(
          (c) => c.thisValue instanceof Script && c.thisValue.name.startsWith('renew-1') && ours(c.args[1]),
        );
    rt.actor(seqActor('seq'));
    await rt.start();
    await waitFor(() => renewals().filter((c) => c.args[1].length === 4).length >= 3, {
      what: 'three rounds renewing the 4 leases',
    });
    const seen = renewals().map((c) => `${(c.thisValue as Script).name} × ${c.args[1].length}`);
    expect(new Set(seen), 'each round one call of the many form, for every lease').to.deep.equal(
      new Set(['renew-1.lua (many) × 4']),
    );
  });

  it('fires a timer that the previous owner committed, after a takeover', async () => {
    const first = await testRuntime();
    started.push(first.rt); // stopped below; this only stops it if the test fails before that
    first.rt.actor(seqActor('seq'));
    await first.rt.start();
    await first.rt.tell({ type: 'seq', key: 't' }, { type: 'Later', data: { delayMs: 1500 } });
    await waitFor(async () => (await stateOf(first.rt, 'seq', 't')) !== null, {
      what: 'the timer committed',
    });
    await first.rt.stop(); // before it is due
    // Otherwise the first owner fired it, and the takeover below would prove nothing.
    expect((await stateOf(first.rt, 'seq', 't'))?.count, 'the timer fired before the takeover').to.not.equal(
      1000,
    );
    const { rt } = await testRuntime({ prefix: first.prefix });
    started.push(rt);
    rt.actor(seqActor('seq'));
    await rt.start();
    await waitFor(async () => (await stateOf(rt, 'seq', 't'))?.count === 1000, { what: 'timer fired' });
  });

  it('publishes events to every subscriber group; replicas split the work without duplicates', async () => {
    const { rt, redis, prefix } = await testRuntime();
    started.push(rt);
    rt.actor(seqActor('seq'));
    await rt.start();
    const record = async (key: string, seq: number, id: string) => {
      await redis.hincrby(`${prefix}:seen-events`, `${key}:${seq}`, 1);
      await redis.sadd(`${prefix}:event-ids`, id);
    };
    const replicas = await Promise.all([0, 1].map(() => testRuntime({ prefix })));
    for (const { rt: r } of replicas) {
      started.push(r);
      r.subscriber(recordingSubscriber('rec', record));
      await r.start();
    }
    for (let seq = 1; seq <= 20; seq++) {
      await Promise.all(
        Array.from({ length: 5 }, (_, k) =>
          rt.tell({ type: 'seq', key: `e${k}` }, { type: 'Step', data: { seq } }),
        ),
      );
    }
    await waitFor(async () => (await redis.hlen(`${prefix}:seen-events`)) === 100, {
      what: '100 events seen',
    });
    const counts = Object.values(await redis.hgetall(`${prefix}:seen-events`)).map(Number);
    expect(counts.every((c) => c === 1)).to.equal(true);
    // The second replica's arrival moves shards (release after draining, then acquire): poll until
    // the moves are done, then every event shard has exactly one owner among the replicas.
    await waitFor(() => replicas.reduce((n, { rt: r }) => n + r.ownedUnits().length, 0) === 4, {
      what: 'the 4 event shards owned by the replicas',
    });
  });

  it('retries a failing subscriber with back-off until it succeeds; dead-letters a terminal failure at once and one that never heals after maxAttempts', async () => {
    const { rt } = await testRuntime();
    started.push(rt);
    rt.actor(seqActor('seq'));
    const attempts: { key: string; attempt: number; at: number }[] = [];
    const handled = new Set<string>();
    rt.subscriber(
      {
        name: 'rec',
        decode: (m) => m,
        handle(_event, ctx) {
          attempts.push({ key: ctx.key, attempt: ctx.attempt, at: Date.now() });
          if (ctx.key === 'terminal') return Promise.reject(new TerminalError('cannot be handled'));
          if (ctx.key === 'never') return Promise.reject(new Error('never heals'));
          if (ctx.key === 'flaky' && ctx.attempt < 3) return Promise.reject(new Error('not yet'));
          handled.add(ctx.key);
          return Promise.resolve();
        },
      },
      { maxAttempts: 3, maxBackoffMs: 1000 },
    );
    await rt.start();
    for (const key of ['flaky', 'terminal', 'never', 'ok']) {
      await rt.tell({ type: 'seq', key }, { type: 'Step', data: { seq: 1 } });
    }
    const letters = await waitFor(
      async () => {
        const d = await rt.deadLetters(10);
        return d.length === 2 && handled.size === 2 ? d : null;
      },
      { what: 'flaky and ok handled, terminal and never dead-lettered' },
    );
    expect([...handled].sort()).to.deep.equal(['flaky', 'ok']);
    expect(letters.map((l) => l.error).sort()).to.deep.equal([
      'Error: never heals',
      'TerminalError: cannot be handled',
    ]);
    const of = (key: string) => attempts.filter((a) => a.key === key);
    expect(of('flaky').map((a) => a.attempt)).to.deep.equal([1, 2, 3]);
    expect(of('never').map((a) => a.attempt)).to.deep.equal([1, 2, 3]);
    expect(of('terminal').map((a) => a.attempt)).to.deep.equal([1]);
    expect(of('ok').map((a) => a.attempt)).to.deep.equal([1]);
    // Jittered back-off between attempts: 100-200 ms before the second, 200-400 ms before the third.
    const [a1, a2, a3] = of('flaky');
    expect(a2!.at - a1!.at).to.be.at.least(90);
    expect(a3!.at - a2!.at).to.be.at.least(190);
  });
});
