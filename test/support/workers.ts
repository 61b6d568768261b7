import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { freePort, stopProcess, track, waitFor } from './processes.js';

const WORKER = fileURLToPath(new URL('./seq-worker.js', import.meta.url));

export interface Worker {
  readonly child: ChildProcess;
  readonly processId: string;
  readonly metricsPort: number;
  metric(name: string): Promise<number>;
  /** Its log lines so far (stderr), when started with `keepLogs`; none otherwise. */
  lines(): string[];
}

/**
 * Start a seq-worker process and wait for its `ready` line. Its logs (stderr) pass through to the
 * test's, or with `keepLogs` are kept for the test to read (`lines`).
 */
export async function startWorker(
  env: Record<string, string>,
  { keepLogs = false }: { readonly keepLogs?: boolean } = {},
): Promise<Worker> {
  const metricsPort = await freePort();
  const child = track(
    spawn(process.execPath, ['--enable-source-maps', WORKER], {
      env: { ...process.env, ...env, METRICS_PORT: String(metricsPort) },
      stdio: ['ignore', 'pipe', keepLogs ? 'pipe' : 'inherit'],
    }),
  );
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const processId = await waitFor(() => /ready (\S+)/.exec(out)?.[1], {
    timeoutMs: 15_000,
    what: 'worker ready',
  });
  return {
    child,
    processId,
    metricsPort,
    lines: () => err.split('\n').filter(Boolean),
    async metric(name: string) {
      const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      const text = await res.text();
      let sum = 0;
      for (const line of text.split('\n')) if (line.startsWith(name)) sum += Number(line.split(' ').pop());
      return sum;
    },
  };
}

/** Signal a worker and wait for its exit code (SIGTERM drains: 0 expected). */
export async function stopWorker(w: Worker, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  return stopProcess(w.child, signal);
}

export interface SeqTotals {
  keys: number;
  count: number;
  missing: number;
  twice: number;
  complete: number;
}

/** Sum the seq actors' states of `type` over all shards. */
export async function totals(
  redis: Redis,
  prefix: string,
  type: string,
  shards: number,
  perKey: number,
): Promise<SeqTotals> {
  const t: SeqTotals = { keys: 0, count: 0, missing: 0, twice: 0, complete: 0 };
  for (let s = 0; s < shards; s++) {
    const all = await redis.hgetall(`${prefix}:{${type}:${s < 10 ? `0${s}` : s}}:state`);
    for (const v of Object.values(all)) {
      const st = (JSON.parse(v) as { s: { count: number; missing: number; twice: number; last: number } }).s;
      t.keys++;
      t.count += st.count;
      t.missing += st.missing;
      t.twice += st.twice;
      if (st.last === perKey) t.complete++;
    }
  }
  return t;
}

/** Send `perKey` Steps to each of `keys` keys, round by round (per-key order is send order). */
export async function produce(
  redis: Redis,
  send: (key: string, seq: number) => Promise<unknown>,
  keys: number,
  perKey: number,
  onRound?: (seq: number) => Promise<void>,
): Promise<void> {
  for (let seq = 1; seq <= perKey; seq++) {
    await Promise.all(Array.from({ length: keys }, (_, k) => send(`key-${k}`, seq)));
    if (onRound) await onRound(seq);
  }
  void redis;
}
