/**
 * A real Prometheus (the Debian package) for the ops tests: scrapes the store's processes through
 * a file_sd target list the test rewrites as processes come and go, with a 1 s scrape interval,
 * and answers PromQL through its HTTP API.
 */
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onRunEnd } from '../support/hooks.js';
import { freePort, spawnTracked, stopProcess, waitFor } from '../support/processes.js';
import { requireTool } from '../support/tools.js';

/** One scrape target: a store process, labelled the way Kubernetes service discovery would. */
export interface Target {
  readonly job: string;
  readonly port: number;
}

/** One series of an instant vector. */
export interface Sample {
  readonly metric: Readonly<Record<string, string>>;
  readonly value: number;
}

interface ApiAnswer {
  status?: string;
  error?: string;
  data?: { resultType?: string; result?: unknown };
}

export class Prometheus {
  private constructor(
    readonly url: string,
    private readonly dir: string,
    private readonly child: ReturnType<typeof spawnTracked>,
    /** The namespace label every target carries (the chart's KEDA query matches on it). */
    readonly namespace: string,
  ) {}

  static async start(targets: readonly Target[], namespace = 'store'): Promise<Prometheus> {
    const bin = requireTool('prometheus');
    const dir = await mkdtemp(join(tmpdir(), 'ops-prometheus-'));
    const port = await freePort();
    const config = [
      'global:',
      '  scrape_interval: 1s',
      '  scrape_timeout: 1s',
      '  evaluation_interval: 1s',
      'scrape_configs:',
      '  - job_name: appliance-store',
      '    file_sd_configs:',
      `      - files: ['${join(dir, 'targets.json')}']`,
      '        refresh_interval: 1s',
      '    relabel_configs:',
      // The job label says which role a process runs, like a Deployment per role does.
      '      - source_labels: [role]',
      '        target_label: job',
      "        replacement: 'appliance-store-$1'",
    ].join('\n');
    await writeFile(join(dir, 'prometheus.yml'), config);
    await writeTargets(dir, namespace, targets);
    const child = spawnTracked(
      bin,
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        // Staleness and lookback stay at their defaults; only the queries' lookback is short.
        '--query.lookback-delta=5s',
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let err = '';
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    const started = new Prometheus(`http://127.0.0.1:${port}`, dir, child, namespace);
    onRunEnd(() => started.stop());
    await waitFor(
      async () => {
        if (child.exitCode !== null)
          throw new Error(`prometheus exited with ${child.exitCode}: ${err.slice(-2000)}`);
        return (await fetch(`${started.url}/-/ready`)).status === 200;
      },
      { timeoutMs: 20_000, intervalMs: 100, what: 'prometheus ready' },
    );
    return started;
  }

  /** Rewrite the target list (atomically: Prometheus watches the file). */
  setTargets(targets: readonly Target[]): Promise<void> {
    return writeTargets(this.dir, this.namespace, targets);
  }

  /** Targets Prometheus currently scrapes successfully. */
  async healthyTargets(): Promise<number> {
    const body = (await (await fetch(`${this.url}/api/v1/targets?state=active`)).json()) as {
      data?: { activeTargets?: { health?: string }[] };
    };
    return (body.data?.activeTargets ?? []).filter((t) => t.health === 'up').length;
  }

  /** Evaluate an instant query; a PromQL error throws with Prometheus's message. */
  async query(expr: string): Promise<Sample[]> {
    const res = await fetch(`${this.url}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const body = (await res.json()) as ApiAnswer;
    if (body.status !== 'success')
      throw new Error(`query failed (${res.status}): ${body.error ?? '?'}: ${expr}`);
    const result = body.data?.result;
    if (body.data?.resultType !== 'vector' || !Array.isArray(result)) {
      throw new Error(`expected an instant vector for ${expr}, got ${body.data?.resultType ?? '?'}`);
    }
    return (result as { metric: Record<string, string>; value: [number, string] }[]).map((r) => ({
      metric: r.metric,
      value: Number(r.value[1]),
    }));
  }

  /** The single value of a query that aggregates to one series (null: no data). */
  async scalar(expr: string): Promise<number | null> {
    const r = await this.query(expr);
    return r.length === 0 ? null : r[0]!.value;
  }

  async stop(): Promise<void> {
    await stopProcess(this.child, 'SIGTERM', 10_000);
    await rm(this.dir, { recursive: true, force: true });
  }
}

async function writeTargets(dir: string, namespace: string, targets: readonly Target[]): Promise<void> {
  const groups = targets.map((t) => ({
    targets: [`127.0.0.1:${t.port}`],
    labels: { role: t.job, namespace },
  }));
  const tmp = join(dir, 'targets.json.tmp');
  await writeFile(tmp, JSON.stringify(groups));
  await rename(tmp, join(dir, 'targets.json'));
}
