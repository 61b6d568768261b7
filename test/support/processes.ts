import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createServer } from 'node:net';

/** Every child process a test started; the root hooks kill what is still running. */
const children = new Set<ChildProcess>();

export function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

export function spawnTracked(cmd: string, args: readonly string[], opts: SpawnOptions = {}): ChildProcess {
  return track(spawn(cmd, args, { stdio: 'ignore', ...opts }));
}

export async function killAll(): Promise<void> {
  await Promise.all([...children].map((c) => stopProcess(c, 'SIGKILL')));
}

/** Send a signal and wait (bounded) for the exit. */
export async function stopProcess(
  child: ChildProcess,
  signal: NodeJS.Signals = 'SIGTERM',
  timeoutMs = 10_000,
): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  try {
    return await exited;
  } finally {
    clearTimeout(timer);
  }
}

/** Below Linux's ephemeral range (32768–60999 by default): see freePort. */
const PORTS = { from: 20_000, to: 32_000 } as const;

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '0.0.0.0', () => srv.close(() => resolve(true)));
  });
}

/**
 * A port that is free now, for a process the test starts to listen on. Taken below the ephemeral
 * range: a port the kernel handed out for `listen(0)` is free only until the next outgoing
 * connection, which may be given the same port as its local end (a store's Redis connections, made
 * before it listens, once took its PORT that way: EADDRINUSE).
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = PORTS.from + Math.floor(Math.random() * (PORTS.to - PORTS.from));
    if (await bindable(port)) return port;
  }
  throw new Error(`no free port between ${PORTS.from} and ${PORTS.to}`);
}

/**
 * A port for a Redis Cluster node: the node also listens on port + 10000 (its cluster bus), so
 * both must be free, and both below the ephemeral range (a bus port above 32768 was once taken by
 * an outgoing connection's local end, and the node could not start).
 */
export async function freeClusterPort(): Promise<number> {
  const below = 32_768 - 10_000;
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = PORTS.from + Math.floor(Math.random() * (below - PORTS.from));
    if ((await bindable(port)) && (await bindable(port + 10_000))) return port;
  }
  throw new Error(`no free cluster port pair between ${PORTS.from} and ${below}`);
}

/** Poll `check` until it returns a truthy value or the deadline passes (never a fixed sleep). */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  {
    timeoutMs = 10_000,
    intervalMs = 25,
    what = 'condition',
  }: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last instanceof Error ? last.message : JSON.stringify(last)}` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
