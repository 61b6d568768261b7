/**
 * No Docker engine runs here, so the image cannot be built in tests: these check the Dockerfile's
 * shape instead (multi-stage, production dependencies only, non-root, the same command the chart
 * runs) and that the build context leaves out what the image must not carry.
 */
import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT, one, render } from './helm.js';
import { asDeployment } from './models.js';

interface Stage {
  readonly name: string;
  readonly lines: readonly string[];
}

/** Dockerfile instructions per stage, continuation lines joined, comments dropped. */
function stages(text: string): Stage[] {
  const logical = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const out: { name: string; lines: string[] }[] = [];
  for (const line of logical) {
    const from = /^FROM\s+\S+(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from) out.push({ name: from[1] ?? `stage${out.length}`, lines: [] });
    else out.at(-1)?.lines.push(line);
  }
  return out;
}

describe('Dockerfile', () => {
  it('builds in one stage and runs production dependencies as user 10001 in another', async () => {
    const all = stages(await readFile(join(REPO_ROOT, 'Dockerfile'), 'utf8'));
    expect(all.map((s) => s.name)).to.deep.equal(['build', 'runtime']);
    const [build, runtime] = all as [Stage, Stage];
    expect(build.lines.some((l) => /^RUN npm ci\b/.test(l) && !l.includes('--omit=dev'))).to.equal(true);
    expect(build.lines.some((l) => l.includes('npm run build'))).to.equal(true);
    expect(runtime.lines.some((l) => /^RUN npm ci --omit=dev\b/.test(l))).to.equal(true);
    expect(runtime.lines).to.include('COPY --from=build /app/dist ./dist');
    expect(runtime.lines).to.include('USER 10001:10001');
    // The image verifies tokens; minting them (AUTH_MODE=dev) must be asked for.
    expect(runtime.lines).to.include('ENV AUTH_MODE=jwt');
    expect(runtime.lines.at(-1)).to.equal('CMD ["node", "dist/bin/appliance-store.js", "start"]');
  });

  it('starts the same program the chart starts and package.json names', async () => {
    const pkg: unknown = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8'));
    const bin = (pkg as { bin?: Record<string, string> }).bin?.['appliance-store'];
    expect(bin).to.equal('dist/bin/appliance-store.js');
    const d = asDeployment(one(await render(), 'Deployment', 'shop-appliance-store-order'));
    expect(d.spec?.template.spec?.containers[0]?.command?.slice(0, 3)).to.deep.equal(['node', bin, 'start']);
    expect(d.spec?.template.spec?.securityContext?.runAsUser).to.equal(10001);
  });

  it('keeps dependencies, build output, data and secrets out of the build context', async () => {
    const ignored = (await readFile(join(REPO_ROOT, '.dockerignore'), 'utf8'))
      .split('\n')
      .map((l) => l.trim());
    expect(ignored).to.include.members(['node_modules', 'dist', '.data', '.git', '.env', 'test']);
    // `npm run build` runs scripts/copy-assets.mjs (the Lua scripts): the context must keep it.
    const pkg = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as {
      scripts?: { build?: string };
    };
    for (const script of pkg.scripts?.build?.match(/scripts\/[\w.-]+/g) ?? []) {
      for (const excluded of [script, 'scripts', 'scripts/'])
        expect(ignored, script).to.not.include(excluded);
    }
  });
});
