import { expect } from 'chai';
import { Redis } from 'ioredis';
import { scripts } from '../../streams/scripts.js';
import { onRunEnd, sharedRedis, uniquePrefix } from '../support/hooks.js';

/**
 * The commit and ack scripts run again with the same arguments, as ioredis re-sends a command whose
 * reply a Redis restart ate: the second run must change nothing. Found by the chaos run: a poison
 * message dead-lettered just before Redis was killed came back as two dead letters.
 */
describe('commit and ack scripts: batches, resends after a lost reply, an empty script cache (real redis-server)', () => {
  async function pendingMailbox(entries: readonly string[]) {
    const redis = new Redis((await sharedRedis()).url);
    onRunEnd(() => Promise.resolve(redis.disconnect()));
    const p = uniquePrefix();
    const k = {
      mbx: `${p}{t:0}:mbx`,
      state: `${p}{t:0}:state`,
      outbox: `${p}{t:0}:outbox`,
      seen: `${p}{t:0}:seen`,
      epoch: `${p}{t:0}:epoch`,
      dlq: `${p}{t:0}:dlq`,
      timers: `${p}{t:0}:timers`,
      dest: `${p}{u:3}:mbx`,
    };
    await redis.xgroup('CREATE', k.mbx, 'g', '0', 'MKSTREAM');
    const ids: string[] = [];
    for (const m of entries) ids.push((await redis.xadd(k.mbx, '*', 'm', m))!);
    await redis.xreadgroup('GROUP', 'g', 'shard-0', 'COUNT', 10, 'STREAMS', k.mbx, '>');
    await redis.set(k.epoch, '1');
    return { redis, k, ids };
  }

  it('commit: the second run reports DUP for both kinds and writes no second message or dead letter', async () => {
    const { redis, k, ids } = await pendingMailbox(['not json', '{"i":"msg-1"}']);
    const keys = [k.mbx, k.state, k.outbox, k.seen, k.epoch, k.dlq, k.timers, k.dest];
    const now = Date.now();
    const args = [
      ...['g', '1', now, now - 60_000, 2, 'direct', 10_000],
      ...['D', ids[0]!, '', 'DecodeError: stream entry is not JSON', 'not json'],
      ...['C', ids[1]!, 'msg-1', 'k1', '{"v":1,"s":{}}', 1, 8, '{"i":"out-1"}', 0],
    ];
    const first = (await scripts.commit.run(redis, keys, args)) as unknown[];
    const again = (await scripts.commit.run(redis, keys, args)) as unknown[];
    expect(first[1]).to.deep.equal(['D', 'C']);
    expect(again[1]).to.deep.equal(['DUP', 'DUP']);
    expect(await redis.xlen(k.dlq)).to.equal(1);
    expect(await redis.xlen(k.dest)).to.equal(1);
    expect(await redis.hget(k.state, 'k1')).to.equal('{"v":1,"s":{}}');
    expect(await redis.xlen(k.mbx)).to.equal(0); // both entries acked and deleted
  });

  it('subscriber ack: the second run of a batch with a dead letter adds no second one', async () => {
    const { redis, k, ids } = await pendingMailbox(['{"i":"e-1"}', 'garbage']);
    const keys = [k.mbx, k.epoch, k.dlq];
    const args = ['g', '1', Date.now(), 2, 'A', ids[0]!, 'D', ids[1]!, 'DecodeError', 'garbage'];
    expect(await scripts.ack.run(redis, keys, args)).to.equal('OK');
    expect(await scripts.ack.run(redis, keys, args)).to.equal('OK');
    expect(await redis.xlen(k.dlq)).to.equal(1);
    const pending = await redis.xpending(k.mbx, 'g');
    expect(pending[0]).to.equal(0);
  });

  it('commit of a batch: a message id twice is committed once; a key written twice keeps the later state; timers and seen marks are written', async () => {
    const { redis, k, ids } = await pendingMailbox(['a', 'b', 'c']);
    const keys = [k.mbx, k.state, k.outbox, k.seen, k.epoch, k.dlq, k.timers, k.dest];
    const now = Date.now();
    const args = [
      ...['g', '1', now, now - 60_000, 3, 'direct', 10_000],
      ...['C', ids[0]!, 'msg-a', 'k1', '{"v":1}', 1, 8, '{"i":"out-a"}', 1, now + 5000, 'timer-a'],
      ...['C', ids[1]!, 'msg-a', 'k1', '{"v":9}', 1, 8, '{"i":"out-dup"}', 0],
      ...['C', ids[2]!, 'msg-c', 'k1', '{"v":2}', 1, 8, '{"i":"out-c"}', 0],
    ];
    const reply = (await scripts.commit.run(redis, keys, args)) as unknown[];
    expect(reply[1]).to.deep.equal(['C', 'DUP', 'C']);
    expect(await redis.hget(k.state, 'k1')).to.equal('{"v":2}');
    const out = await redis.xrange(k.dest, '-', '+');
    expect(out.map(([, f]) => f[1])).to.deep.equal(['{"i":"out-a"}', '{"i":"out-c"}']);
    expect(await redis.zrange(k.timers, '0', '-1')).to.deep.equal(['timer-a']);
    expect(await redis.zmscore(k.seen, 'msg-a', 'msg-c', 'msg-x')).to.deep.equal([
      String(now),
      String(now),
      null,
    ]);
    expect(await redis.xlen(k.mbx)).to.equal(0); // all three acked and deleted, the duplicate too
  });

  it('commit: a dead letter for a message id already committed is a duplicate, not a dead letter', async () => {
    const { redis, k, ids } = await pendingMailbox(['a', 'b', 'c']);
    const keys = [k.mbx, k.state, k.outbox, k.seen, k.epoch, k.dlq, k.timers, k.dest];
    const now = Date.now();
    await redis.zadd(k.seen, now - 1000, 'msg-old'); // committed by an earlier batch
    const args = [
      ...['g', '1', now, now - 60_000, 3, 'direct', 10_000],
      ...['D', ids[0]!, 'msg-old', 'Error: state moved on', '{"i":"msg-old"}'],
      ...['C', ids[1]!, 'msg-b', 'k1', '{"v":1}', 0, 0],
      ...['D', ids[2]!, 'msg-b', 'Error: state moved on', '{"i":"msg-b"}'], // committed just before
    ];
    const reply = (await scripts.commit.run(redis, keys, args)) as unknown[];
    expect(reply[1]).to.deep.equal(['DUP', 'C', 'DUP']);
    expect(await redis.xlen(k.dlq)).to.equal(0);
    expect(await redis.xlen(k.mbx)).to.equal(0); // acked and deleted all the same
    expect((await redis.xpending(k.mbx, 'g'))[0]).to.equal(0);
  });

  it('runs from an empty script cache (after a Redis restart): EVALSHA falls back to EVAL', async () => {
    const { redis, k, ids } = await pendingMailbox(['x']);
    await redis.script('FLUSH');
    expect(await redis.script('EXISTS', scripts.ack.sha)).to.deep.equal([0]);
    const args = ['g', '1', Date.now(), 1, 'A', ids[0]!];
    expect(await scripts.ack.run(redis, [k.mbx, k.epoch, k.dlq], args)).to.equal('OK');
    expect(await redis.script('EXISTS', scripts.ack.sha)).to.deep.equal([1]);
    expect((await redis.xpending(k.mbx, 'g'))[0]).to.equal(0);
  });
});
