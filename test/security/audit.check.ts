/**
 * Supply chain: `npm audit` of the production dependencies and of the whole tree shows no high or
 * critical advisory. When the advisory service cannot be asked (no registry, a mirror without the
 * audit endpoint) the test fails with one line saying so: an audit that did not run is not a pass.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

interface AuditReport {
  readonly metadata?: { readonly vulnerabilities?: Readonly<Record<string, number>> };
  readonly vulnerabilities?: Readonly<
    Record<string, { readonly severity: string; readonly via: readonly unknown[] }>
  >;
  readonly error?: { readonly summary?: string; readonly detail?: string };
  readonly message?: string;
  readonly statusCode?: number;
}

function audit(args: readonly string[]): Promise<{ code: number; report: AuditReport | null; raw: string }> {
  return new Promise((resolve) => {
    execFile(
      'npm',
      ['audit', '--json', '--audit-level=high', ...args],
      { cwd: ROOT, maxBuffer: 64 * 1024 * 1024, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err && typeof err.code === 'number' ? err.code : err ? 1 : 0;
        let report: AuditReport | null = null;
        try {
          report = JSON.parse(stdout) as AuditReport;
        } catch {
          // no JSON at all: reported below with stderr
        }
        resolve({ code, report, raw: `${stdout}\n${stderr}` });
      },
    );
  });
}

for (const [name, args] of [
  ['production dependencies (npm audit --omit=dev)', ['--omit=dev']],
  ['the whole tree (npm audit)', []],
] as const) {
  describe(`security: supply chain, ${name}`, function () {
    this.timeout(90_000);
    it('has no high or critical advisory', async () => {
      const { report, raw } = await audit(args);
      const counts = report?.metadata?.vulnerabilities;
      if (!counts) {
        const why = report?.message ?? report?.error?.summary ?? raw.trim().split('\n').slice(-3).join(' | ');
        expect.fail(`npm audit did not run, so the dependencies are NOT verified: ${why.slice(0, 400)}`);
      }
      const bad = Object.entries(report?.vulnerabilities ?? {})
        .filter(([, v]) => v.severity === 'high' || v.severity === 'critical')
        .map(([pkg, v]) => `${pkg} (${v.severity})`);
      expect(bad, `high/critical advisories: ${bad.join(', ')}`).to.deep.equal([]);
      expect((counts.high ?? 0) + (counts.critical ?? 0)).to.equal(0);
    });
  });
}
