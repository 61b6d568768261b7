/**
 * Child processes of the store benchmarks: spawn a script of this folder (or the store's bin),
 * wait for a line naming its URL, stop it by its own pid. BENCH_CPU_PROF (a directory) makes
 * every child write a CPU profile there.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort, stopProcess, track, waitFor } from '../../test/support/processes.js';

export interface BenchProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** What the `ready <url>` line named. */
  readonly url: string;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Node flags for children: `--cpu-prof` into BENCH_CPU_PROF when it is set. */
export function profileFlags(): string[] {
  const dir = process.env.BENCH_CPU_PROF;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}

/** Start `bench/store/<script>.js` and wait for its `ready <url>` line on stdout. */
export async function startScript(script: string, env: Record<string, string> = {}): Promise<BenchProcess> {
  const file = fileURLToPath(new URL(`./${script}.js`, import.meta.url));
  const child = track(
    spawn(process.execPath, [...profileFlags(), file], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const url = await waitFor(
    () => {
      if (child.exitCode !== null)
        throw new Error(`${script} exited with ${child.exitCode}: ${out.slice(-1000)}`);
      return /ready (\S+)/.exec(out)?.[1];
    },
    { timeoutMs: 30_000, what: `${script} ready` },
  );
  return {
    child,
    pid: child.pid ?? 0,
    url,
    output: () => out,
    async stop(signal = 'SIGTERM') {
      await stopProcess(child, signal, 20_000);
    },
  };
}

const BIN = fileURLToPath(new URL('../../bin/appliance-store.js', import.meta.url));

/**
 * `appliance-store start --roles <roles>` (the built bin) on a free port, waited for until
 * /readyz answers 200. Like test/support/store-process.ts, but with the profiling flags
 * (`--cpu-prof` is not allowed in NODE_OPTIONS).
 */
export async function startStore(roles: string, env: Record<string, string>): Promise<BenchProcess> {
  const port = await freePort();
  const child = track(
    spawn(
      process.execPath,
      [
        ...profileFlags(),
        '--max-semi-space-size=64',
        '--enable-source-maps',
        BIN,
        'start',
        '--roles',
        roles,
        '--port',
        String(port),
      ],
      {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    ),
  );
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => {
      if (child.exitCode !== null)
        throw new Error(`store (${roles}) exited with ${child.exitCode}: ${out.slice(-1000)}`);
      return (await fetch(`${url}/readyz`)).status === 200;
    },
    { timeoutMs: 60_000, intervalMs: 100, what: `store (${roles}) ready` },
  );
  return {
    child,
    pid: child.pid ?? 0,
    url,
    output: () => out,
    async stop(signal = 'SIGTERM') {
      await stopProcess(child, signal, 30_000);
    },
  };
}
