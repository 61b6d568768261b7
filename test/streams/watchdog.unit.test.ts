import { expect } from 'chai';
import { watchStalls, type Watched } from '../../streams/watchdog.js';

function loop(lastProgress: number, lastKickAt = 0, kicks = 0): Watched & { kicked: number } {
  return {
    unit: { kind: 'actor', group: 'order', shard: 0, stream: 's', root: 'r' },
    lastProgress,
    lastKickAt,
    kicks,
    kicked: 0,
    kick() {
      this.kicks++;
      this.kicked++;
    },
  };
}

describe('watchdog pass (watchStalls)', () => {
  const stallMs = 1000;

  it('leaves a loop that made progress within the stall period alone', () => {
    const l = loop(9_500);
    expect(watchStalls([l], 10_000, stallMs, () => undefined)).to.equal(false);
    expect(l.kicked).to.equal(0);
  });

  it('kicks a stalled loop and reports each kick; the kick buys it one stall period', () => {
    const l = loop(8_000);
    const reported: string[] = [];
    expect(watchStalls([l], 10_000, stallMs, (r) => reported.push(r.unit.group))).to.equal(false);
    expect([l.kicked, reported]).to.deep.equal([1, ['order']]);
    const kicked = { ...l, lastKickAt: 10_000 };
    expect(watchStalls([kicked], 10_500, stallMs, () => undefined)).to.equal(false);
    expect(kicked.kicks).to.equal(1); // not kicked again within the period, not forgiven either
  });

  it('is stuck after three kicks without progress', () => {
    const l = loop(1_000, 8_000, 3);
    expect(watchStalls([l], 10_000, stallMs, () => undefined)).to.equal(true);
    expect(l.kicked).to.equal(0);
  });

  it('forgives the kicks once the loop makes progress after the last of them', () => {
    const l = loop(9_900, 9_000, 2);
    expect(watchStalls([l], 10_000, stallMs, () => undefined)).to.equal(false);
    expect(l.kicks).to.equal(0);
  });
});
