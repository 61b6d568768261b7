import { expect } from 'chai';
import { longestStall, subtract, successOutsideWindows, type RequestRecord } from './recorder.js';
import { Rng } from './rng.js';

const req = (start: number, end: number, ok: boolean): RequestRecord => ({
  start,
  end,
  ok,
  status: ok ? 200 : 503,
  route: 'GET /x',
});

describe('chaos figures (pure)', () => {
  it('counts only the attempts wholly outside the fault windows', () => {
    const rate = successOutsideWindows(
      [req(0, 10, true), req(15, 25, false), req(40, 50, false), req(60, 70, true), req(95, 99, true)],
      [{ from: 20, to: 45 }],
    );
    expect(rate.total).to.equal(3);
    expect(rate.ok).to.equal(3);
    expect(rate.rate).to.equal(1);
    expect(successOutsideWindows([req(0, 1, false)], []).rate).to.equal(0);
    expect(successOutsideWindows([], []).rate).to.equal(1);
  });

  it('subtracts intervals from a span', () => {
    expect(
      subtract({ from: 0, to: 100 }, [
        { from: 10, to: 20 },
        { from: 50, to: 120 },
      ]),
    ).to.deep.equal([
      { from: 0, to: 10 },
      { from: 20, to: 50 },
    ]);
    expect(subtract({ from: 0, to: 10 }, [{ from: -5, to: 15 }])).to.deep.equal([]);
  });

  it('measures the longest stall without the time Redis was down', () => {
    const span = { from: 0, to: 100 };
    expect(longestStall([10, 20, 30, 90], span, [])).to.equal(60);
    // Redis was down 40..80: the 30..90 gap leaves 10 + 10.
    expect(longestStall([10, 20, 30, 90], span, [{ from: 40, to: 80 }])).to.equal(10);
    expect(longestStall([], span, [])).to.equal(100);
  });

  it('replays the same choices from the same seed', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const xs = Array.from({ length: 5 }, () => a.int(0, 1000));
    expect(Array.from({ length: 5 }, () => b.int(0, 1000))).to.deep.equal(xs);
    expect(new Rng(42).fork(1).next()).to.not.equal(new Rng(42).fork(2).next());
    for (let i = 0; i < 100; i++) expect(a.next()).to.be.within(0, 1);
  });
});
