import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { assignment, rendezvousOwner, shardOf } from '../../streams/hash.js';

/** Shards per member for one assignment. */
function spread(members: readonly string[], group: string, shards: number): number[] {
  const count = new Map<string, number>(members.map((m) => [m, 0]));
  for (let s = 0; s < shards; s++) {
    const o = rendezvousOwner(members, group, s)!;
    count.set(o, count.get(o)! + 1);
  }
  return [...count.values()];
}

/** Ids shaped like the runtime's (`p-` + 12 hex digits), fixed per seed so the test cannot flake. */
const processIds = (n: number, seed: string) =>
  Array.from(
    { length: n },
    (_, i) => `p-${createHash('sha256').update(`${seed}/${i}`).digest('hex').slice(0, 12)}`,
  );

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
      const counts = spread(processIds(4, `set-${t}`), 'order', 16);
      if (counts.includes(0)) idle++;
      worst = Math.max(worst, ...counts);
    }
    // With independent uniform scores P(some member idle) = 4·(3/4)^16 ≈ 4 %; allow twice that.
    expect(idle, 'sets where a process got no shard').to.be.at.most(40);
    expect(worst).to.be.at.most(11);
  });

  it('gives each member an equal expected share over many shards', () => {
    const members = processIds(3, 'three');
    const counts = spread(members, 'payment', 3000);
    for (const c of counts) expect(c).to.be.within(850, 1150);
  });

  it('moves only the leaving member’s shards when a member leaves', () => {
    const members = processIds(5, 'five');
    const before = Array.from({ length: 64 }, (_, s) => rendezvousOwner(members, 'store', s));
    const gone = members[2]!;
    const rest = members.filter((m) => m !== gone);
    for (let s = 0; s < 64; s++) {
      const after = rendezvousOwner(rest, 'store', s);
      if (before[s] === gone) expect(after).to.not.equal(gone);
      else expect(after).to.equal(before[s]);
    }
  });

  it('names the heir of a silent owner: the member that owns the shard once the silent one is gone', () => {
    const [a, b, c] = ['p-a', 'p-b', 'p-c'];
    const live = [a, b, c];
    const all = new Set(live);
    for (let shard = 0; shard < 32; shard++) {
      const owner = rendezvousOwner(live, 'order', shard)!;
      // Everyone heartbeating: exactly the owner sees `mine`, nobody is heir.
      for (const self of live)
        expect(assignment(live, all, self, 'order', shard)).to.equal(self === owner ? 'mine' : 'other');
      // The owner went silent: the one who would own it without it is heir, the others stay out.
      const fresh = new Set(live.filter((m) => m !== owner));
      const heir = rendezvousOwner([...fresh], 'order', shard);
      for (const self of fresh)
        expect(assignment(live, fresh, self, 'order', shard)).to.equal(self === heir ? 'heir' : 'other');
      expect(assignment(live, fresh, owner, 'order', shard)).to.equal('mine');
    }
  });
});
