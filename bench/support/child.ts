/**
 * The bench's child processes: spawn a worker script, wait for its `ready` line, read its
 * `/stats` (JSON it serves on STATS_PORT), and its peak RSS from /proc.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort, stopProcess, track, waitFor } from '../../test/support/processes.js';

/** What every bench worker serves on `/stats`. */
export interface WorkerStats {
  /** Messages (or jobs) finished: committed, or completed. */
  readonly done: number;
  /** Epoch ms of the first and the last completion (0 before the first). */
  readonly firstAt: number;
  readonly lastAt: number;
  /** Handler start to commit completion, ms (absent for BullMQ). */
  readonly p50Ms?: number;
  readonly p99Ms?: number;
  readonly extra?: Record<string, number>;
}

export interface BenchChild {
  readonly child: ChildProcess;
  /** `final` asks for the latency percentiles too (a sort: not on every poll, it would cost the worker). */
  stats(final?: boolean): Promise<WorkerStats>;
  /** VmHWM: the peak resident set of the process so far, in MB. */
  peakRssMb(): number;
  /** VmRSS: the resident set now, in MB. */
  rssMb(): number;
  /** CPU time (user + system) the process used so far, in seconds. */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

export async function startChild(script: string, env: Record<string, string>): Promise<BenchChild> {
  const port = await freePort();
  const file = fileURLToPath(new URL(`./${script}.js`, import.meta.url));
  // Both sides of a comparison run with the Node flags the product ships with (Dockerfile,
  // `npm start`): a 64 MB young generation. BENCH_NODE_FLAGS='' measures Node's defaults.
  const flags = (process.env.BENCH_NODE_FLAGS ?? '--max-semi-space-size=64').split(' ').filter(Boolean);
  const args = [
    ...flags,
    ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []),
    file,
  ];
  const child = track(
    spawn(process.execPath, args, {
      env: { ...process.env, ...env, STATS_PORT: String(port) },
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  );
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  await waitFor(
    () => {
      if (child.exitCode !== null) throw new Error(`${script} exited with ${child.exitCode}`);
      return out.includes('ready');
    },
    { timeoutMs: 30_000, what: `${script} ready` },
  );
  return {
    child,
    async stats(final = false) {
      const res = await fetch(`http://127.0.0.1:${port}/stats${final ? '?final=1' : ''}`);
      return (await res.json()) as WorkerStats;
    },
    peakRssMb: () => procMemMb(child.pid, 'VmHWM'),
    rssMb: () => procMemMb(child.pid, 'VmRSS'),
    cpuSeconds: () => procCpuSeconds(child.pid),
    async stop() {
      await stopProcess(child, 'SIGTERM', 20_000);
    },
  };
}

/** A /proc/<pid>/status memory figure (VmRSS, VmHWM), in MB; 0 once the process is gone. */
export function procMemMb(pid: number | undefined, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(status)?.[1] ?? 0);
    return Math.round(kb / 1024);
  } catch {
    return 0;
  }
}

/**
 * CPU seconds (utime + stime) a process used so far, from /proc/<pid>/stat: unlike wall time, it
 * hardly moves when other work shares the cores, so per-message CPU compares well on a busy box.
 */
export function procCpuSeconds(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return 0;
  }
}

/** Serve `/stats` for the parent (in a worker). */
export async function serveStats(get: (final: boolean) => WorkerStats): Promise<void> {
  const { createServer } = await import('node:http');
  const server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(get(req.url?.includes('final=1') ?? false)));
  });
  server.listen(Number(process.env.STATS_PORT ?? 0), '127.0.0.1');
  server.unref();
}

/** p-th percentile (0..100) of unsorted samples. */
export function percentile(samples: Float64Array, p: number): number {
  if (samples.length === 0) return 0;
  const sorted = Float64Array.from(samples).sort();
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}
