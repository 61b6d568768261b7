import { expect } from 'chai';
import { Redis } from 'ioredis';
import { scripts } from '../../streams/scripts.js';
import { onRunEnd, sharedRedis, uniquePrefix } from '../support/hooks.js';

/** The lease scripts on a real redis-server: who gets a shard, and with which fencing epoch. */
describe('shard leases and fencing epochs (real redis-server)', () => {
  async function lease() {
    const redis = new Redis((await sharedRedis()).url);
    onRunEnd(() => Promise.resolve(redis.disconnect()));
    const p = uniquePrefix();
    const keys = [`${p}{order:00}:lease:order`, `${p}{order:00}:epoch:order`];
    const acquire = async (owner: string) => Number(await scripts.acquire.run(redis, keys, [owner, 5000]));
    return { redis, keys, acquire };
  }

  it('gives a held lease to nobody else, and a free one to the next with a greater epoch', async () => {
    const { redis, keys, acquire } = await lease();
    const first = await acquire('p-a');
    expect(first).to.be.greaterThan(0);
    expect(await acquire('p-b')).to.equal(0);
    expect(await scripts.release.run(redis, [keys[0]!], ['p-a'])).to.equal(1);
    const second = await acquire('p-b');
    expect(second).to.be.greaterThan(first);
    expect(await redis.get(keys[1]!)).to.equal(String(second)); // what commits are fenced against
  });

  it('a call re-sent after its reply was lost takes the caller’s own lease again, with a new epoch', async () => {
    const { redis, keys, acquire } = await lease();
    const lost = await acquire('p-a'); // the reply that never arrived
    const again = await acquire('p-a');
    expect(again).to.be.greaterThan(lost); // anything still holding `lost` is fenced
    expect(await redis.get(keys[0]!)).to.equal('p-a');
    expect(await redis.pttl(keys[0]!)).to.be.within(1, 5000);
  });

  it('after Redis lost its data (no AOF), a new epoch is still above every epoch from before', async () => {
    const { redis, keys, acquire } = await lease();
    const before = await acquire('p-a');
    await redis.del(...keys); // what a restart without persistence leaves: no lease, no epoch
    const after = await acquire('p-b');
    expect(after).to.be.greaterThan(before);
    // Epochs are at least the server clock in µs, so the zombie's `before` can never come back.
    const [sec] = await redis.time();
    expect(after).to.be.at.least((Number(sec) - 1) * 1_000_000);
    expect(Number.isSafeInteger(after)).to.equal(true);
  });
});
