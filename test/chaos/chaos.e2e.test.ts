import { expect } from 'chai';
import { runChaos } from './run.js';

/**
 * Chaos under load. `npm test` runs a bounded version (75 s of faults by default, about 3 min in
 * all); `npm run test:chaos` sets CHAOS_SECONDS=300 (or whatever is given) for the long run.
 * CHAOS_SEED replays a fault schedule and the clients' choices.
 */
function chaosSeconds(): number {
  const raw = process.env.CHAOS_SECONDS ?? '';
  if (raw === '') return 75;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 10)
    throw new Error(`CHAOS_SECONDS must be a number of seconds ≥ 10, got "${raw}"`);
  return n;
}

const durationMs = chaosSeconds() * 1000;

describe('chaos under load (each role in its own process, e2e)', function () {
  // Faults, then the wind-down, quiescence and the checks (bounded inside runChaos).
  this.timeout(durationMs + 300_000);

  it('loses nothing and doubles nothing through kills, pauses, Redis restarts, network and provider faults', async () => {
    const report = await runChaos({
      durationMs,
      shoppers: 6,
      minLifecycles: Math.max(20, Math.round(durationMs / 2500)),
      minSuccessRate: 0.99,
      maxStallMs: 10_000,
      quiesceMs: 60_000,
      maxPendingMs: 30_000,
    });
    console.log(JSON.stringify({ chaos: report.figures }));
    expect(report.violations, report.violations.slice(0, 30).join('\n')).to.deep.equal([]);
  });
});
