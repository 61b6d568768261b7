import { expect } from 'chai';
import { Redis } from 'ioredis';
import { encode, envelope } from '../../streams/codec.js';
import { GroupReader } from '../../streams/group-reader.js';
import { scripts } from '../../streams/scripts.js';
import { takeArgs, type Unit } from '../../streams/unit.js';
import type { ActorRuntime, Message } from '../../streams/index.js';
import { onRunEnd, sharedRedis, uniquePrefix } from '../support/hooks.js';
import { calls } from '../support/redis-clients.js';
import { waitFor } from '../support/processes.js';
import { testRunnerEnv, testRuntime, testShardReader } from '../support/runtime.js';

/**
 * A group that ignores some message types (`Subscriber.ignores`): the fenced read (`read-2`)
 * acknowledges their entries as it reads them and hands over only the others, in order.
 */
describe('ignored message types: acknowledged by the read, never handed over (real redis-server)', () => {
  async function setup() {
    const redis = new Redis((await sharedRedis()).url);
    onRunEnd(() => Promise.resolve(redis.disconnect()));
    const env = testRunnerEnv(redis, uniquePrefix(), { batchSize: 10, blockMs: 300, maxDeliveries: 5 });
    const unit: Unit = {
      kind: 'subscriber',
      group: 'g',
      shard: 0,
      stream: env.keys.events(0),
      root: env.keys.eventShard(0),
      ignores: ['Skip', 'AlsoSkip'],
    };
    const epochKey = env.keys.epoch(unit.root, unit.group);
    await redis.xgroup('CREATE', unit.stream, 'g', '0', 'MKSTREAM');
    await redis.set(epochKey, '7');
    /** An entry as the runtime writes it (streams/codec.ts), or `raw` as it is. */
    const add = async (type: string, raw?: string) =>
      (await redis.xadd(unit.stream, '*', 'm', raw ?? encode(envelope('k', { type, data: { n: 1 } }, 0))))!;
    const pending = async () => Number((await redis.xpending(unit.stream, 'g'))[0]);
    const typeOf = (payload: string | null) => (JSON.parse(payload!) as { t: string }).t;
    return { redis, env, unit, epochKey, add, pending, typeOf };
  }

  it('read-2 hands over the other types in order, acknowledges the ignored ones, and says where it read to', async () => {
    const { redis, unit, epochKey, add, pending } = await setup();
    const k1 = await add('Keep');
    await add('Skip');
    const k2 = await add('Keep');
    const s2 = await add('AlsoSkip');
    const read = () => scripts.read.run(redis, [unit.stream, epochKey], takeArgs(unit, 7, 10));
    const reply = (await read()) as unknown[];
    // Two entries (id, payload) and, last, the id of the ignored entry read after them.
    expect(reply.length).to.equal(5);
    expect([reply[0], reply[2], reply[4]]).to.deep.equal([k1, k2, s2]);
    expect(await pending(), 'only the handed-over entries are pending').to.equal(2);

    // Only ignored entries: nothing handed over, the wait starts after the last one.
    await add('Skip');
    const s4 = await add('Skip');
    expect(await read()).to.equal(s4);
    expect(await pending()).to.equal(2);

    // An entry whose type cannot be seen without decoding it (here: not the codec's shape) is
    // handed over, for the worker to decode (and dead-letter); so is any type not ignored.
    const odd = await add('', JSON.stringify({ t: 'Skip', i: 'x' }));
    const bad = await add('', 'not json');
    const reply2 = (await read()) as unknown[];
    expect(reply2.filter((_, i) => i % 2 === 0)).to.deep.equal([odd, bad]);
    expect(reply2.length, 'the last one read was handed over: no trailing id').to.equal(4);
  });

  it('without ignored types the reply is as before: every entry, no trailing id', async () => {
    const { redis, unit, epochKey, add } = await setup();
    const plain: Unit = { ...unit, ignores: [] };
    const ids = [await add('Keep'), await add('Skip')];
    const reply = (await scripts.read.run(
      redis,
      [unit.stream, epochKey],
      takeArgs(plain, 7, 10),
    )) as unknown[];
    expect(reply.filter((_, i) => i % 2 === 0)).to.deep.equal(ids);
    expect(reply.length).to.equal(4);
  });

  it('a GroupReader take (read-2 once per shard in one call) honours each unit’s ignored types', async () => {
    const { redis, unit, epochKey, add, pending, typeOf } = await setup();
    const reader = new GroupReader(redis, 300);
    onRunEnd(() => Promise.resolve(reader.close()));
    const k1 = await add('Keep');
    const s1 = await add('Skip');
    const take = await reader.next(unit, epochKey, 7, 10, null);
    expect(take.entries.map((e) => [e.id, typeOf(e.payload)])).to.deep.equal([[k1, 'Keep']]);
    expect(take.readTo, 'read up to the ignored entry after it').to.equal(s1);
    expect(await pending()).to.equal(1);
    await add('Skip');
    // Nothing to hand over: it waits (and answers none after blockMs), the entry acknowledged.
    expect((await reader.next(unit, epochKey, 7, 10, null)).entries).to.deep.equal([]);
    expect(await pending()).to.equal(1);
  });

  it('a ShardReader on its own (as on a cluster) hands over only the others and waits after the last entry read', async () => {
    const { redis, env, unit, add, pending, typeOf } = await setup();
    const reader = testShardReader(env, unit);
    await add('Skip');
    const k = await add('Keep');
    await add('Skip');
    const entries = await reader.read('>', 10);
    expect(entries!.map((e) => [e.id, typeOf(e.payload)])).to.deep.equal([[k, 'Keep']]);
    expect(await pending()).to.equal(1);
    // Drained up to the trailing ignored entry: the next read waits (XREAD) after it, for blockMs
    // (300), and takes nothing. Waiting after the Keep entry instead would wake at once (for the
    // ignored one) and take again only to find nothing.
    const takes = await calls(redis, { failed: true }, 'evalsha', 'eval');
    const t0 = Date.now();
    expect(await reader.read('>', 10)).to.deep.equal([]);
    expect(Date.now() - t0, 'it waited for new entries').to.be.at.least(250);
    expect(await calls(redis, { failed: true }, 'evalsha', 'eval'), 'no take').to.equal(takes);
  });

  it('a subscriber never sees the types it ignores, and leaves none of them pending', async () => {
    const { rt, redis } = await testRuntime({ subscriberNames: ['picky'] });
    // Stopped within the test: a runtime left running would renew leases (and count) in later files.
    try {
      const seen: Message[] = [];
      rt.subscriber({
        name: 'picky',
        ignores: ['Skip'],
        decode: (m) => m,
        handle: (e) => Promise.resolve(void seen.push(e)),
      });
      await rt.start();
      const types = ['Keep', 'Skip', 'Skip', 'Keep', 'Skip'];
      for (let i = 0; i < 40; i++) {
        const key = `k${i % 8}`;
        const stream = rt.router.events(key);
        const msg = { type: types[i % types.length]!, data: { i } };
        await redis.xadd(stream, '*', 'm', encode(envelope(key, msg, Date.now())));
      }
      await waitFor(() => seen.length === 16, { what: 'the 16 Keep events handled' });
      expect(new Set(seen.map((e) => e.type))).to.deep.equal(new Set(['Keep']));
      expect(seen.map((e) => (e.data as { i: number }).i)).to.have.members(
        Array.from({ length: 40 }, (_, i) => i).filter((i) => types[i % types.length] === 'Keep'),
      );
      await waitFor(async () => (await unacknowledged(rt, redis)) === 0, {
        what: 'every event, ignored or handled, acknowledged',
      });
    } finally {
      await rt.stop();
    }
  });
});

/** Entries of the event streams that group 'picky' has not acknowledged: pending or not yet read. */
async function unacknowledged(rt: ActorRuntime, redis: Redis): Promise<number> {
  let n = 0;
  for (const u of rt.subscriberUnits('picky')) {
    n += Number((await redis.xpending(u.stream, 'picky'))[0]);
    const groups = (await redis.xinfo('GROUPS', u.stream)) as unknown[][];
    for (const g of groups) {
      const info = Object.fromEntries(
        Array.from({ length: g.length / 2 }, (_, i) => [String(g[2 * i]), g[2 * i + 1]]),
      );
      if (info.name === 'picky') n += Number(info.lag ?? 0);
    }
  }
  return n;
}
