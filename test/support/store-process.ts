import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort, stopProcess, track, waitFor } from './processes.js';

const BIN = fileURLToPath(new URL('../../bin/appliance-store.js', import.meta.url));

export interface StoreProcess {
  readonly child: ChildProcess;
  readonly port: number;
  readonly url: string;
  readonly roles: string;
  /** Everything the process wrote to stdout (JSON log lines) and stderr. */
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface StoreProcessOptions {
  readonly roles?: string;
  readonly env: Record<string, string>;
  readonly port?: number;
  /** Wait for /readyz (default) or only for /healthz. */
  readonly waitFor?: 'ready' | 'live' | 'none';
}

/** Start `appliance-store start --roles … --port …` as a real process (the built bin). */
export async function startStoreProcess(o: StoreProcessOptions): Promise<StoreProcess> {
  const port = o.port ?? (await freePort());
  const roles = o.roles ?? 'all';
  const child = track(
    spawn(
      process.execPath,
      ['--enable-source-maps', BIN, 'start', '--roles', roles, '--port', String(port)],
      {
        env: { ...process.env, LOG_LEVEL: 'warn', ...o.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    ),
  );
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const proc: StoreProcess = {
    child,
    port,
    url,
    roles,
    output: () => out,
    stop: (signal = 'SIGTERM') => stopProcess(child, signal, 30_000),
  };
  const mode = o.waitFor ?? 'ready';
  if (mode !== 'none') {
    await waitFor(
      async () => {
        if (child.exitCode !== null)
          throw new Error(`store (${roles}) exited with ${child.exitCode}: ${out.slice(-2000)}`);
        const res = await fetch(`${url}/${mode === 'ready' ? 'readyz' : 'healthz'}`);
        return res.status === 200;
      },
      { timeoutMs: 30_000, intervalMs: 50, what: `store process (${roles}) ${mode}` },
    );
  }
  return proc;
}

/** The usual env of a test store: its own Redis prefix, small shard counts, short leases. */
export function storeEnv(
  redisUrl: string,
  prefix: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    REDIS_URL: redisUrl,
    KEY_PREFIX: prefix,
    SHARDS: '4',
    EVENT_SHARDS: '4',
    LEASE_TTL_MS: '1500',
    BLOCK_MS: '200',
    AUTH_MODE: 'dev',
    RATE_LIMIT_PER_MINUTE: '100000',
    ...extra,
  };
}

/** A client of a running edge: tokens from the dev issuer and JSON calls. */
export class StoreClient {
  private readonly tokens = new Map<string, string>();
  constructor(public baseUrl: string) {}

  async token(sub: string, role: string): Promise<string> {
    const k = `${sub}/${role}`;
    const hit = this.tokens.get(k);
    if (hit) return hit;
    const res = await fetch(`${this.baseUrl}/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sub, role }),
    });
    if (res.status !== 200) throw new Error(`token for ${k}: ${res.status}`);
    const t = ((await res.json()) as { token: string }).token;
    this.tokens.set(k, t);
    return t;
  }

  async call<T = unknown>(
    method: string,
    path: string,
    as: { sub: string; role: string } | null,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: T; headers: Headers }> {
    const h: Record<string, string> = { ...headers };
    if (as) h.authorization = `Bearer ${await this.token(as.sub, as.role)}`;
    if (body !== undefined) h['content-type'] = 'application/json';
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: h,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, body: parsed as T, headers: res.headers };
  }
}
