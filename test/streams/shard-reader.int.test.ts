import { expect } from 'chai';
import { Redis } from 'ioredis';
import type { Unit } from '../../streams/unit.js';
import { onRunEnd, sharedRedis, uniquePrefix } from '../support/hooks.js';
import { testRunnerEnv, testShardReader } from '../support/runtime.js';

describe('ShardReader.pending: the re-read after a lost reply (real redis-server)', () => {
  it('lists this shard’s pending entries with their own delivery counts and delivers none of them again', async () => {
    const redis = new Redis((await sharedRedis()).url);
    const env = testRunnerEnv(redis, uniquePrefix(), { batchSize: 10, blockMs: 1000, maxDeliveries: 5 });
    const unit: Unit = {
      kind: 'actor',
      group: 'g',
      shard: 0,
      stream: env.keys.mailbox('g', 0),
      root: env.keys.shard('g', 0),
    };
    const reader = testShardReader(env, unit);
    onRunEnd(() => Promise.resolve(redis.disconnect()));
    await redis.xgroup('CREATE', unit.stream, 'g', '0', 'MKSTREAM');
    const [e1, e2, e3] = [
      (await redis.xadd(unit.stream, '*', 'm', 'one'))!,
      (await redis.xadd(unit.stream, '*', 'm', 'two'))!,
      (await redis.xadd(unit.stream, '*', 'm', 'three'))!,
    ];
    await redis.xreadgroup('GROUP', 'g', 'shard-0', 'COUNT', 3, 'STREAMS', unit.stream, '>');
    await redis.xreadgroup('GROUP', 'g', 'shard-0', 'COUNT', 1, 'STREAMS', unit.stream, '0'); // e1 delivered twice
    await redis.xadd(unit.stream, '*', 'm', 'not read yet'); // not pending: not listed
    await redis.xdel(unit.stream, e3); // deleted while pending
    const counts = async () =>
      (await redis.xpending(unit.stream, 'g', '-', '+', 10)).map((r) => (r as unknown[])[3]);

    const expected = [
      { entry: { id: e1, payload: 'one' }, deliveries: 2 },
      { entry: { id: e2, payload: 'two' }, deliveries: 1 },
      { entry: { id: e3, payload: null }, deliveries: 1 },
    ];
    expect(await reader.pending('0', 10)).to.deep.equal(expected);
    expect(await reader.pending('0', 10), 'read again: the counts did not grow').to.deep.equal(expected);
    expect(await counts()).to.deep.equal([2, 1, 1]);
    expect(await reader.pending(e1, 10), 'after e1').to.deep.equal(expected.slice(1));
    expect(await reader.pending('0', 1), 'at most count').to.deep.equal(expected.slice(0, 1));
    expect(reader.resync).to.equal(false);
  });
});
