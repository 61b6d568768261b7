import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { rendezvousOwner, shardOf } from '../../streams/hash.js';

/** Shards per member for one assignment. */
function spread(members: readonly string[], group: string, shards: number): number[] {
  const count = new Map<string, number>(members.map((m) => [m, 0]));
  for (let s = 0; s < shards; s++) {
    const o = rendezvousOwner(members, group, s)!;
    count.set(o, count.get(o)! + 1);
  }
  return [...count.values()];
}

const processIds = (n: number) => Array.from({ length: n }, () => `p-${randomBytes(6).toString('hex')}`);

describe('streams/hash: routing and shard assignment', () => {
  it('routes a key to the same shard every time, within range', () => {
    for (const key of ['ord_1', 'ord_2', 'ö-ü', '']) {
      const s = shardOf(key, 16);
      expect(s).to.equal(shardOf(key, 16));
      expect(s).to.be.within(0, 15);
    }
  });

  it('spreads 16 shards over 4 process ids: no process idle, none with more than half (500 random sets)', () => {
    let idle = 0;
    let worst = 0;
    for (let t = 0; t < 500; t++) {
      const counts = spread(processIds(4), 'order', 16);
      if (counts.includes(0)) idle++;
      worst = Math.max(worst, ...counts);
    }
    // With independent uniform scores P(some member idle) = 4·(3/4)^16 ≈ 4 %; allow twice that.
    expect(idle, 'sets where a process got no shard').to.be.at.most(40);
    expect(worst).to.be.at.most(10);
  });

  it('gives each member an equal expected share over many shards', () => {
    const members = processIds(3);
    const counts = spread(members, 'payment', 3000);
    for (const c of counts) expect(c).to.be.within(850, 1150);
  });

  it('moves only the leaving member’s shards when a member leaves', () => {
    const members = processIds(5);
    const before = Array.from({ length: 64 }, (_, s) => rendezvousOwner(members, 'store', s));
    const gone = members[2]!;
    const rest = members.filter((m) => m !== gone);
    for (let s = 0; s < 64; s++) {
      const after = rendezvousOwner(rest, 'store', s);
      if (before[s] === gone) expect(after).to.not.equal(gone);
      else expect(after).to.equal(before[s]);
    }
  });
});
