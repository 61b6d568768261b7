/**
 * A private toxiproxy-server (network faults between a process and Redis): a free loopback port
 * for its HTTP API, proxies on free ports, and typed toxics. Stopped when the run ends.
 */
import { onRunEnd } from './hooks.js';
import { freePort, spawnTracked, stopProcess, waitFor } from './processes.js';
import { requireTool } from './tools.js';

/** Which way a toxic acts: data to the upstream server, or its replies back to the client. */
export type ToxicStream = 'upstream' | 'downstream';

interface ToxicBase {
  /** Unique per proxy; defaults to `<type>_<stream>`. */
  readonly name?: string;
  readonly stream?: ToxicStream;
  /** Share of connections it applies to, 0..1 (default 1). */
  readonly toxicity?: number;
}

/** The toxics the runtime's tests use (toxiproxy's names and attributes). */
export type Toxic =
  | (ToxicBase & { readonly type: 'latency'; readonly latency: number; readonly jitter?: number })
  /** Reset the connection (TCP RST) `timeout` ms after data arrives (0: at once). */
  | (ToxicBase & { readonly type: 'reset_peer'; readonly timeout: number })
  /** Drop all data and close the connection after `timeout` ms (0: never close: a black hole). */
  | (ToxicBase & { readonly type: 'timeout'; readonly timeout: number })
  /** Limit throughput to `rate` KB/s. */
  | (ToxicBase & { readonly type: 'bandwidth'; readonly rate: number });

function attributes(t: Toxic): Record<string, number> {
  switch (t.type) {
    case 'latency':
      return { latency: t.latency, jitter: t.jitter ?? 0 };
    case 'reset_peer':
      return { timeout: t.timeout };
    case 'timeout':
      return { timeout: t.timeout };
    case 'bandwidth':
      return { rate: t.rate };
    default: {
      const never: never = t;
      return never;
    }
  }
}

export interface Proxy {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** `redis://host:port` of the listening side (for `REDIS_URL`). */
  readonly redisUrl: string;
  /** Add a toxic; resolves to its name (for `removeToxic`). */
  addToxic(t: Toxic): Promise<string>;
  removeToxic(name: string): Promise<void>;
  /** Remove every toxic. */
  clearToxics(): Promise<void>;
  /** Disable: closes every open connection and refuses new ones until `enable()` (a network cut). */
  disable(): Promise<void>;
  enable(): Promise<void>;
}

export interface Toxiproxy {
  /** The HTTP API, e.g. `http://127.0.0.1:PORT`. */
  readonly api: string;
  /** A proxy on a free loopback port in front of `upstream` (`host:port`). */
  createProxy(name: string, upstream: string): Promise<Proxy>;
  stop(): Promise<void>;
}

let shared: Promise<Toxiproxy> | null = null;

/** The run's toxiproxy-server (started on first use, stopped when the run ends). */
export function startToxiproxy(): Promise<Toxiproxy> {
  if (!shared) {
    const started = launch();
    shared = started;
    started.catch(() => (shared = null));
  }
  return shared;
}

async function launch(): Promise<Toxiproxy> {
  const bin = requireTool('toxiproxy-server');
  const port = await freePort();
  const child = spawnTracked(bin, ['-host', '127.0.0.1', '-port', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  const api = `http://127.0.0.1:${port}`;
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    shared = null;
    await stopProcess(child, 'SIGTERM');
  };
  onRunEnd(stop);
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null)
          throw new Error(`toxiproxy-server exited with ${child.exitCode}: ${stderr.trim()}`);
        return (await fetch(`${api}/version`)).ok;
      },
      { timeoutMs: 10_000, what: `toxiproxy-server API on port ${port}` },
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return { api, createProxy: (name, upstream) => createProxy(api, name, upstream), stop };
}

async function call(api: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${api}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`toxiproxy ${method} ${path} answered ${res.status}: ${text}`);
  return text ? (JSON.parse(text) as unknown) : null;
}

async function createProxy(api: string, name: string, upstream: string): Promise<Proxy> {
  const port = await freePort();
  const host = '127.0.0.1';
  await call(api, 'POST', '/proxies', { name, listen: `${host}:${port}`, upstream, enabled: true });
  const path = `/proxies/${encodeURIComponent(name)}`;
  const toxics = new Set<string>();
  const removeToxic = async (toxicName: string): Promise<void> => {
    await call(api, 'DELETE', `${path}/toxics/${encodeURIComponent(toxicName)}`);
    toxics.delete(toxicName);
  };
  return {
    name,
    host,
    port,
    redisUrl: `redis://${host}:${port}`,
    async addToxic(t) {
      const stream = t.stream ?? 'downstream';
      const toxicName = t.name ?? `${t.type}_${stream}`;
      await call(api, 'POST', `${path}/toxics`, {
        name: toxicName,
        type: t.type,
        stream,
        toxicity: t.toxicity ?? 1,
        attributes: attributes(t),
      });
      toxics.add(toxicName);
      return toxicName;
    },
    removeToxic,
    async clearToxics() {
      for (const t of [...toxics]) await removeToxic(t);
    },
    async disable() {
      await call(api, 'POST', path, { enabled: false });
    },
    async enable() {
      await call(api, 'POST', path, { enabled: true });
    },
  };
}
