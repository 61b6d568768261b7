/**
 * The layout's dependency rules (DESIGN.md "Layout"), checked on the sources: which top-level
 * folder may import from which. The domain (actors/) and config/ import from no other folder; the
 * runtime (streams/) only the actor contract the domain declares, as types.
 */
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** What each product folder may import from (besides itself and npm packages). */
const allowed: Record<string, readonly string[]> = {
  actors: [],
  config: [],
  streams: ['actors/kernel.ts (types only)'],
  // The runtime's Lua script loader (EVALSHA, NOSCRIPT, flat arguments): one for the whole store.
  views: ['actors', 'streams/scripts.ts'],
  // The same, and the runtime's deadline race (`within`, streams/deadline.ts).
  outbound: ['actors', 'streams/scripts.ts', 'streams/deadline.ts'],
  http: ['actors', 'config', 'streams', 'views'],
  app: ['actors', 'config', 'http', 'outbound', 'streams', 'views'],
  bin: ['app', 'config'],
};

interface Import {
  readonly file: string;
  readonly target: string;
  readonly typeOnly: boolean;
}

function sources(folder: string): string[] {
  return readdirSync(join(root, folder), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(folder, f));
}

const importPattern = /^\s*(import|export)\s+(type\s+)?[^'";]*?from\s+'(\.[^']+)'/gm;

function importsOf(file: string): Import[] {
  const text = readFileSync(join(root, file), 'utf8');
  const out: Import[] = [];
  for (const m of text.matchAll(importPattern)) {
    const target = relative(root, resolve(root, dirname(file), m[3]!)).replace(/\.js$/, '.ts');
    out.push({ file, target: target.split(sep).join('/'), typeOnly: m[2] !== undefined });
  }
  return out;
}

function breaches(folder: string, rules = allowed): string[] {
  const out: string[] = [];
  for (const imp of sources(folder).flatMap(importsOf)) {
    const top = imp.target.split('/')[0]!;
    if (top === folder) continue;
    const ok = (rules[folder] ?? []).some((rule) =>
      rule === 'actors/kernel.ts (types only)'
        ? imp.target === 'actors/kernel.ts' && imp.typeOnly
        : rule.endsWith('.ts')
          ? imp.target === rule
          : rule === top,
    );
    if (!ok) out.push(`${imp.file} imports ${imp.target}${imp.typeOnly ? ' (types)' : ''}`);
  }
  return out;
}

describe('layout', () => {
  for (const folder of Object.keys(allowed)) {
    it(`${folder}/ imports only from ${allowed[folder]!.join(', ') || 'itself'}`, () => {
      expect(sources(folder)).to.not.be.empty;
      expect(breaches(folder)).to.deep.equal([]);
    });
  }

  it('names a breach when there is one (the check can fail)', () => {
    expect(breaches('http', { http: ['actors', 'config', 'views'] })).to.include(
      'http/store-guard.ts imports streams/deadline.ts',
    );
    // A type-only import is told apart: the runtime's one import of the domain.
    expect([...new Set(breaches('streams', { streams: [] }))]).to.deep.equal([
      'streams/types.ts imports actors/kernel.ts (types)',
    ]);
  });
});
