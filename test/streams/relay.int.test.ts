import { expect } from 'chai';
import { OutboxRelayer, relay, relayAll, type OutboxItem } from '../../streams/relay.js';
import { Redis } from 'ioredis';
import { onRunEnd, sharedRedis, uniquePrefix } from '../support/hooks.js';
import { waitFor } from '../support/processes.js';
import type { RedisClient } from '../../streams/redis.js';

/** Commit-like: append to the outbox as the commit script does, and return the items. */
async function commitToOutbox(
  redis: RedisClient,
  outbox: string,
  entries: readonly [dest: string, json: string][],
): Promise<OutboxItem[]> {
  const items: OutboxItem[] = [];
  for (const [dest, json] of entries) {
    const id = await redis.xadd(outbox, '*', 'd', dest, 'm', json);
    items.push({ id: id!, dest, json });
  }
  return items;
}

async function testRedis(): Promise<{ redis: Redis; prefix: string }> {
  const redis = new Redis((await sharedRedis()).url, { enableAutoPipelining: true });
  onRunEnd(() => Promise.resolve(redis.disconnect()));
  return { redis, prefix: uniquePrefix() };
}

const bodies = async (redis: RedisClient, stream: string) =>
  (await redis.xrange(stream, '-', '+')).map((e) => e[1][1]);

describe('outbox relay (single node: one relay-n script call per batch)', () => {
  it('appends each item to its destination in outbox order and empties the outbox', async () => {
    const { redis, prefix } = await testRedis();
    const outbox = `${prefix}{seq:0}:outbox`;
    const a = `${prefix}{seq:1}:mailbox`;
    const b = `${prefix}{seq:2}:mailbox`;
    const reply = `${prefix}edge:reply:e1`;
    const items = await commitToOutbox(redis, outbox, [
      [a, 'a1'],
      [b, 'b1'],
      [a, 'a2'],
      [reply, 'r1'],
      [b, 'b2'],
    ]);
    await relay(redis, outbox, items);
    expect(await bodies(redis, a)).to.deep.equal(['a1', 'a2']);
    expect(await bodies(redis, b)).to.deep.equal(['b1', 'b2']);
    expect(await bodies(redis, reply)).to.deep.equal(['r1']);
    expect(await redis.xlen(outbox)).to.equal(0);
  });

  it('relays a batch larger than one XDEL chunk; an edge reply stream stays capped at about 10,000', async () => {
    const { redis, prefix } = await testRedis();
    const outbox = `${prefix}{seq:0}:outbox`;
    const dest = `${prefix}edge:reply:e1`;
    const pipeline = redis.pipeline();
    for (let i = 0; i < 12_000; i++) pipeline.xadd(outbox, '*', 'd', dest, 'm', `m${i}`);
    const ids = ((await pipeline.exec()) ?? []).map(([, id]) => String(id));
    await relay(
      redis,
      outbox,
      ids.map((id, i) => ({ id, dest, json: `m${i}` })),
    );
    // MAXLEN ~ trims whole radix-tree nodes (100 entries by default): a little over the cap.
    const len = await redis.xlen(dest);
    expect(len).to.be.within(10_000, 10_100);
    const last = await redis.xrevrange(dest, '+', '-', 'COUNT', 1);
    expect(last[0]![1][1]).to.equal('m11999');
    expect(await redis.xlen(outbox)).to.equal(0);
  });

  it('after a failed relay, sends everything left in the outbox in outbox order, none lost', async () => {
    const { redis, prefix } = await testRedis();
    const outbox = `${prefix}{seq:0}:outbox`;
    const good = `${prefix}{seq:1}:mailbox`;
    const broken = `${prefix}{seq:2}:mailbox`;
    await redis.set(broken, 'not a stream'); // XADD to it fails with WRONGTYPE
    const errors: unknown[] = [];
    const relayer = new OutboxRelayer(redis, outbox, (err) => errors.push(err));

    relayer.send(
      await commitToOutbox(redis, outbox, [
        [good, 'g1'],
        [broken, 'x1'],
      ]),
    );
    await relayer.idle();
    expect(errors).to.have.length(1);
    expect(String(errors[0])).to.match(/WRONGTYPE/);
    // Only the failed destination's entry stays in the outbox: g1 was appended and deleted.
    expect((await redis.xrange(outbox, '-', '+')).map((e) => e[1][3])).to.deep.equal(['x1']);
    // The failed entry stays in the outbox; a later batch must not overtake it.
    await redis.del(broken);
    relayer.send(await commitToOutbox(redis, outbox, [[broken, 'x2']]));
    await relayer.idle();
    expect(await bodies(redis, broken)).to.deep.equal(['x1', 'x2']);
    // The resend does not append g1 again (it used to: the whole batch was resent).
    expect(await bodies(redis, good)).to.deep.equal(['g1']);
    expect(await redis.xlen(outbox)).to.equal(0);
  });

  it('stops a destination at its first failure and goes on with the others', async () => {
    const { redis, prefix } = await testRedis();
    const outbox = `${prefix}{seq:0}:outbox`;
    const good = `${prefix}{seq:1}:mailbox`;
    const broken = `${prefix}{seq:2}:mailbox`;
    await redis.set(broken, 'not a stream');
    const items = await commitToOutbox(redis, outbox, [
      [broken, 'x1'],
      [good, 'g1'],
      [broken, 'x2'],
      [good, 'g2'],
    ]);
    const err = await relay(redis, outbox, items).catch((e: unknown) => e);
    expect(String(err)).to.match(/WRONGTYPE/);
    expect(await bodies(redis, good)).to.deep.equal(['g1', 'g2']);
    expect((await redis.xrange(outbox, '-', '+')).map((e) => e[1][3])).to.deep.equal(['x1', 'x2']);
    await redis.del(broken);
    await relayAll(redis, outbox);
    expect(await bodies(redis, broken)).to.deep.equal(['x1', 'x2']);
    expect(await bodies(redis, good)).to.deep.equal(['g1', 'g2']);
  });

  it('a stale owner re-sending a batch the new owner relayed appends nothing again', async () => {
    const { redis, prefix } = await testRedis();
    const outbox = `${prefix}{seq:0}:outbox`;
    const a = `${prefix}{seq:1}:mailbox`;
    const reply = `${prefix}edge:reply:e1`;
    // Owner A committed this batch and paused holding it; B took over and relayed the outbox.
    const batch = await commitToOutbox(redis, outbox, [
      [a, 'a1'],
      [reply, 'r1'],
      [a, 'a2'],
    ]);
    expect(await relayAll(redis, outbox)).to.equal(3);
    // B commits more, which waits in the outbox; then A wakes up and relays its batch.
    const later = await commitToOutbox(redis, outbox, [[a, 'a3']]);
    await relay(redis, outbox, batch);
    expect(await bodies(redis, a)).to.deep.equal(['a1', 'a2']);
    expect(await bodies(redis, reply)).to.deep.equal(['r1']);
    await relay(redis, outbox, later);
    await relay(redis, outbox, [...batch, ...later]);
    expect(await bodies(redis, a)).to.deep.equal(['a1', 'a2', 'a3']);
    expect(await redis.xlen(outbox)).to.equal(0);
  });

  it('retry() relays what a failure left behind even when no new batch comes', async () => {
    const { redis, prefix } = await testRedis();
    const outbox = `${prefix}{seq:0}:outbox`;
    const broken = `${prefix}{seq:2}:mailbox`;
    await redis.set(broken, 'not a stream');
    const relayer = new OutboxRelayer(redis, outbox, () => undefined);
    relayer.send(await commitToOutbox(redis, outbox, [[broken, 'x1']]));
    await relayer.idle();
    expect(await redis.xlen(outbox)).to.equal(1);
    await redis.del(broken);
    relayer.retry();
    await waitFor(async () => (await redis.xlen(outbox)) === 0, { timeoutMs: 5000, what: 'outbox emptied' });
    expect(await bodies(redis, broken)).to.deep.equal(['x1']);
  });

  it('keeps the committer at most one relay ahead (room)', async () => {
    const { redis, prefix } = await testRedis();
    const outbox = `${prefix}{seq:0}:outbox`;
    const dest = `${prefix}{seq:1}:mailbox`;
    const relayer = new OutboxRelayer(redis, outbox, () => undefined);
    for (let batch = 0; batch < 20; batch++) {
      relayer.send(await commitToOutbox(redis, outbox, [[dest, `m${batch}`]]));
      await relayer.room();
      // The batch before this one is relayed: only the latest may still be in flight.
      expect(await redis.xlen(dest)).to.be.at.least(batch);
    }
    await relayer.idle();
    expect(await bodies(redis, dest)).to.deep.equal(Array.from({ length: 20 }, (_, i) => `m${i}`));
  });
});
