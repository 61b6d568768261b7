import { expect } from 'chai';
import { Redis } from 'ioredis';
import { FencedError } from '../../streams/errors.js';
import { GroupReader } from '../../streams/group-reader.js';
import { scripts } from '../../streams/scripts.js';
import type { Unit } from '../../streams/unit.js';
import { onRunEnd, sharedRedis, uniquePrefix } from '../support/hooks.js';
import { calls, clientList } from '../support/redis-clients.js';
import { testRunnerEnv, testShardReader } from '../support/runtime.js';

describe('GroupReader: the reads of new entries of one group’s shards, made together (real redis-server)', () => {
  async function setup(shards: number, blockMs: number) {
    const redis = new Redis((await sharedRedis()).url);
    const p = uniquePrefix();
    const groupReader = new GroupReader(redis, blockMs);
    // The entries of each take (the tests of ignored types look at the whole `Take`).
    const reader = {
      next: (...a: Parameters<GroupReader['next']>) => groupReader.next(...a).then((t) => t.entries),
      cancel: (stream: string, err: Error) => groupReader.cancel(stream, err),
    };
    onRunEnd(() => {
      groupReader.close();
      redis.disconnect();
      return Promise.resolve();
    });
    const units: Unit[] = [];
    for (let shard = 0; shard < shards; shard++) {
      const unit: Unit = {
        kind: 'actor',
        group: 'g',
        shard,
        stream: `${p}{g:${shard}}:mbx`,
        root: `${p}{g:${shard}}`,
      };
      await redis.xgroup('CREATE', unit.stream, 'g', '0', 'MKSTREAM');
      await redis.set(`${unit.root}:epoch`, '7');
      units.push(unit);
    }
    const epochKey = (u: Unit) => `${u.root}:epoch`;
    const add = async (u: Unit, m: string) => (await redis.xadd(u.stream, '*', 'm', m))!;
    return { redis, reader, groupReader, units, epochKey, add };
  }

  /**
   * Three shards with an entry each and `fault` done to the second, then one take for all three:
   * the first and third get their entries, the second is refused (its reason returned), and the
   * take is one script call (counted with a failed one: a reply that holds an error counts so).
   */
  async function takeWithFaultyMiddle(fault: (redis: Redis, b: Unit, epochKey: string) => Promise<unknown>) {
    const { redis, reader, units, epochKey, add } = await setup(3, 1000);
    const [a, b, c] = units as [Unit, Unit, Unit];
    const ida = await add(a, 'a1');
    await add(b, 'b1');
    const idc = await add(c, 'c1');
    await fault(redis, b, epochKey(b));
    await scripts.read.many().run(redis, []); // cached now: the take below is one EVALSHA
    const before = await calls(redis, { failed: true }, 'evalsha', 'eval');
    const [ra, rb, rc] = await Promise.allSettled([
      reader.next(a, epochKey(a), 7, 10, null),
      reader.next(b, epochKey(b), 7, 10, null),
      reader.next(c, epochKey(c), 7, 10, null),
    ]);
    expect(ra).to.deep.equal({ status: 'fulfilled', value: [{ id: ida, payload: 'a1' }] });
    expect(rc).to.deep.equal({ status: 'fulfilled', value: [{ id: idc, payload: 'c1' }] });
    expect(rb.status).to.equal('rejected');
    expect(await calls(redis, { failed: true }, 'evalsha', 'eval'), 'script calls').to.equal(before + 1);
    return { redis, units: [a, b, c] as const, reason: (rb as PromiseRejectedResult).reason as unknown };
  }

  it('takes the new entries of several shards in one call, each fenced by its own epoch', async () => {
    const { redis, units, reason } = await takeWithFaultyMiddle(
      (r, _b, epochKey) => r.set(epochKey, '8'), // another owner took shard 1
    );
    expect(reason).to.be.instanceOf(FencedError);
    // Taken into the group's pending list under each shard's own consumer; nothing of the fenced one.
    const [a, b, c] = units;
    expect((await redis.xpending(a.stream, 'g'))[3]).to.deep.equal([['shard-0', '1']]);
    expect((await redis.xpending(b.stream, 'g'))[0]).to.equal(0);
    expect((await redis.xpending(c.stream, 'g'))[3]).to.deep.equal([['shard-2', '1']]);
  });

  it('fails only the shard whose group is missing (NOGROUP); the others in the same take get their entries', async () => {
    const { reason } = await takeWithFaultyMiddle(
      (r, b) => r.xgroup('DESTROY', b.stream, 'g'), // as after Redis lost its data
    );
    expect((reason as Error).message).to.match(/^NOGROUP /);
  });

  it('wakes a waiting shard when an entry arrives, also one that began waiting while the wait was blocked', async () => {
    const { redis, reader, units, epochKey, add } = await setup(2, 60_000);
    const [a, b] = units as [Unit, Unit];
    const last = await add(b, 'old'); // b has read up to here
    await redis.xreadgroup('GROUP', 'g', 'shard-1', 'STREAMS', b.stream, '>');
    const unblocks = await calls(redis, 'client|unblock');
    const first = reader.next(a, epochKey(a), 7, 10, '0-0'); // waits (blocked for up to 60 s)
    const xreads = await calls(redis, 'xread');
    // Wait until the blocking XREAD for a alone is in flight, then b starts waiting too.
    for (const deadline = Date.now() + 5000; (await calls(redis, 'xread')) === xreads;) {
      expect(Date.now()).to.be.below(deadline, 'the first wait never started');
    }
    const second = reader.next(b, epochKey(b), 7, 10, last);
    const id = await add(b, 'new');
    // Without the re-issued wait, b would hear of it only when a's 60 s wait ends (the test's timeout).
    expect(await second).to.deep.equal([{ id, payload: 'new' }]);
    expect(await calls(redis, 'client|unblock')).to.be.above(unblocks);
    const ida = await add(a, 'a1');
    expect(await first).to.deep.equal([{ id: ida, payload: 'a1' }]);
  });

  it('answers [] after blockMs with nothing new, so the loop can check whether to go on', async () => {
    const { reader, units, epochKey } = await setup(1, 100);
    const u = units[0]!;
    expect(await reader.next(u, epochKey(u), 7, 10, null)).to.deep.equal([]);
  });

  it('answers [] to a quiet shard after blockMs even while a busy sibling keeps re-issuing the wait', async () => {
    const { reader, units, epochKey, add } = await setup(2, 300);
    const [a, b] = units as [Unit, Unit];
    let quietAnswered = false;
    let answeredAt = 0;
    const start = Date.now();
    const quiet = reader.next(a, epochKey(a), 7, 10, '0-0').then((r) => {
      quietAnswered = true;
      answeredAt = Date.now();
      return r;
    });
    let after = '0-0';
    let rounds = 0;
    const deadline = Date.now() + 5000;
    while (!quietAnswered) {
      // Each round wakes the shared wait for b, and re-issues it for a.
      expect(Date.now()).to.be.below(deadline, 'the quiet shard never got its answer');
      const busy = reader.next(b, epochKey(b), 7, 10, after);
      const id = await add(b, `b${rounds}`);
      expect(await busy).to.deep.equal([{ id, payload: `b${rounds}` }]);
      after = id;
      rounds++;
    }
    expect(await quiet).to.deep.equal([]);
    // It waited its whole blockMs (300) although the shared wait was re-issued under it…
    expect(answeredAt - start, 'the quiet shard waited its blockMs').to.be.at.least(250);
    // …at least once (however slow the machine, how many times does not matter).
    expect(rounds).to.be.at.least(1);
  });

  it('a cancelled read ends with the given error and leaves the entries for the next read', async () => {
    const { reader, units, epochKey, add } = await setup(1, 60_000);
    const u = units[0]!;
    const waiting = reader.next(u, epochKey(u), 7, 10, '0-0');
    reader.cancel(u.stream, new Error('read abandoned'));
    await waiting.then(
      () => expect.fail('a cancelled read was answered'),
      (err: unknown) => expect((err as Error).message).to.equal('read abandoned'),
    );
    const id = await add(u, 'm1');
    expect(await reader.next(u, epochKey(u), 7, 10, null)).to.deep.equal([{ id, payload: 'm1' }]);
  });
});

describe('ShardReader with a GroupReader: a shard that is behind takes alone (real redis-server)', () => {
  it('after a full batch it takes on its own connection, and goes back to the group once caught up', async () => {
    const name = `gr-${uniquePrefix()}`;
    const redis = new Redis((await sharedRedis()).url, { connectionName: name });
    const env = testRunnerEnv(redis, uniquePrefix(), { batchSize: 2, blockMs: 1000, maxDeliveries: 5 });
    const { keys, readers } = env;
    const unit: Unit = {
      kind: 'actor',
      group: 'g',
      shard: 0,
      stream: keys.mailbox('g', 0),
      root: keys.shard('g', 0),
    };
    const abort = new AbortController();
    const reader = testShardReader(env, unit, { signal: abort.signal, group: readers.for('g') });
    onRunEnd(() => {
      readers.close();
      redis.disconnect();
      return Promise.resolve();
    });
    /** This test's connections: the command one, the group's take and wait ones, the shard's own. */
    const connections = async () => (await clientList(redis)).filter((c) => c.name === name).length;
    await redis.xgroup('CREATE', unit.stream, 'g', '0', 'MKSTREAM');
    await redis.set(keys.epoch(unit.root, 'g'), '7');
    const ids: string[] = [];
    for (const m of ['e1', 'e2', 'e3']) ids.push((await redis.xadd(unit.stream, '*', 'm', m))!);

    expect(await reader.read('>', 2)).to.deep.equal([
      { id: ids[0], payload: 'e1' },
      { id: ids[1], payload: 'e2' },
    ]);
    expect(await connections()).to.equal(2); // the command connection and the group's take
    // A whole batch: the next take goes alone, on the shard's own (new) connection.
    expect(await reader.read('>', 2)).to.deep.equal([{ id: ids[2], payload: 'e3' }]);
    expect(await connections()).to.equal(3);
    // Caught up (one entry of two): the next read waits with the group, and is woken by a new entry.
    const next = reader.read('>', 2);
    for (const deadline = Date.now() + 5000; (await connections()) < 4;) {
      expect(Date.now()).to.be.below(deadline, 'the group never started waiting');
    }
    const id = (await redis.xadd(unit.stream, '*', 'm', 'e4'))!;
    expect(await next).to.deep.equal([{ id, payload: 'e4' }]);
  });
});
