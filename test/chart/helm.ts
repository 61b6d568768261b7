/**
 * Runs the real chart tools (helm, promtool) for the chart tests and turns `helm template` output
 * into typed manifests. Nothing here is mocked: a failing tool fails the test with its stderr.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments, stringify } from 'yaml';
import { requireTool } from '../support/tools.js';

/** The repository root (tests run from dist/test/chart/). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const CHART_DIR = join(REPO_ROOT, 'charts', 'appliance-store');
export const PROMETHEUS_DIR = join(REPO_ROOT, 'charts', 'prometheus');
/**
 * A Kubernetes version for `helm template`: a helm built with `go install` defaults to v1.20,
 * below the chart's kubeVersion.
 */
export const KUBE_VERSION = '1.31.0';

export interface ToolResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a tool to completion; a non-zero exit is a result, not an exception (tests assert on it). */
export function run(file: string, args: readonly string[], cwd = REPO_ROOT): Promise<ToolResult> {
  return new Promise((resolvePromise, reject) => {
    execFile(file, [...args], { cwd, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error !== null && typeof error.code !== 'number') {
        reject(new Error(`cannot start ${file}: ${error.message}`, { cause: error })); // e.g. ENOENT
        return;
      }
      resolvePromise({ code: error === null ? 0 : Number(error.code), stdout, stderr });
    });
  });
}

/** Values for one rendering: a values file (as an object) and/or `--set` strings. */
export interface RenderOptions {
  readonly values?: Readonly<Record<string, unknown>>;
  readonly set?: readonly string[];
  readonly release?: string;
  readonly namespace?: string;
}

async function withValues<T>(opts: RenderOptions, fn: (args: string[]) => Promise<T>): Promise<T> {
  const args: string[] = [];
  for (const s of opts.set ?? []) args.push('--set', s);
  if (opts.values === undefined) return fn(args);
  const dir = await mkdtemp(join(tmpdir(), 'chart-values-'));
  try {
    const file = join(dir, 'values.yaml');
    await writeFile(file, stringify(opts.values));
    return await fn(['-f', file, ...args]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** `helm lint --strict` of the chart with these values. */
export function helmLint(opts: RenderOptions = {}): Promise<ToolResult> {
  const helm = requireTool('helm');
  return withValues(opts, (args) => run(helm, ['lint', '--strict', CHART_DIR, ...args]));
}

/** `helm template`, raw: for tests that expect it to fail. */
export function helmTemplate(opts: RenderOptions = {}): Promise<ToolResult> {
  const helm = requireTool('helm');
  const release = opts.release ?? 'shop';
  const namespace = opts.namespace ?? 'store';
  return withValues(opts, (args) =>
    run(helm, [
      'template',
      release,
      CHART_DIR,
      '--namespace',
      namespace,
      '--kube-version',
      KUBE_VERSION,
      ...args,
    ]),
  );
}

/** One rendered object. `raw` is the whole document; the rest is checked on parse. */
export interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly raw: Readonly<Record<string, unknown>>;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function stringMap(v: unknown): Record<string, string> {
  if (!isRecord(v)) return {};
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) {
    if (typeof val !== 'string') throw new Error(`label or annotation ${k} is not a string: ${String(val)}`);
    out[k] = val;
  }
  return out;
}

/** Parses a multi-document YAML stream; throws on a YAML error or a document without kind/name. */
export function parseManifests(text: string): Manifest[] {
  const out: Manifest[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`rendered YAML does not parse: ${doc.errors[0]?.message}`);
    const raw: unknown = doc.toJS();
    if (raw === null || raw === undefined) continue;
    if (!isRecord(raw) || typeof raw.apiVersion !== 'string' || typeof raw.kind !== 'string') {
      throw new Error(`rendered document without apiVersion/kind: ${JSON.stringify(raw)}`);
    }
    const metadata = raw.metadata;
    if (!isRecord(metadata) || typeof metadata.name !== 'string') {
      throw new Error(`${raw.kind} without metadata.name`);
    }
    out.push({
      apiVersion: raw.apiVersion,
      kind: raw.kind,
      name: metadata.name,
      labels: stringMap(metadata.labels),
      raw,
    });
  }
  return out;
}

/** Renders the chart and parses it; a failed render throws with helm's message. */
export async function render(opts: RenderOptions = {}): Promise<Manifest[]> {
  const result = await helmTemplate(opts);
  if (result.code !== 0) throw new Error(`helm template failed (${result.code}): ${result.stderr}`);
  return parseManifests(result.stdout);
}

/** The manifests of one kind. */
export function ofKind(manifests: readonly Manifest[], kind: string): Manifest[] {
  return manifests.filter((m) => m.kind === kind);
}

/** Exactly one manifest of this kind and name. */
export function one(manifests: readonly Manifest[], kind: string, name: string): Manifest {
  const found = manifests.filter((m) => m.kind === kind && m.name === name);
  if (found.length !== 1) {
    const names = ofKind(manifests, kind).map((m) => m.name);
    throw new Error(`expected one ${kind} ${name}, found ${found.length} (have: ${names.join(', ')})`);
  }
  return found[0]!;
}
