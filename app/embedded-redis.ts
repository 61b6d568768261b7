import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { forgetOwner, recordOwner, takeOver } from './data-dir.js';
import { StartupError } from './startup-error.js';

export interface EmbeddedRedis {
  readonly url: string;
  stop(): Promise<void>;
}

function onPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return null;
}

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => res(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

/**
 * Spawns `bin` so that it gets SIGTERM when this process dies, even by SIGKILL (Linux's parent-death
 * signal, set by util-linux's `setpriv`, which then execs `bin` under the same pid): a redis-server
 * flushes its AOF on SIGTERM and exits, instead of running on, orphaned, on the data directory.
 * Without `setpriv` it is spawned as is, and the next start on the directory stops a leftover
 * (`takeOver`).
 *
 * It runs in a process group of its own (`detached`): Ctrl-C in a terminal signals the whole
 * foreground group, and a redis-server in it stopped while the store was still finishing its work
 * (the stop then timed out and exited 1). The store stops it itself, last.
 */
function spawnTiedToThisProcess(bin: string, args: readonly string[]): ChildProcess {
  const setpriv = process.platform === 'linux' ? onPath('setpriv') : null;
  const options = { stdio: 'ignore', detached: true } as const;
  return setpriv
    ? spawn(setpriv, ['--pdeathsig', 'TERM', '--', bin, ...args], options)
    : spawn(bin, args, options);
}

const START_ATTEMPTS = 3;

function serverArgs(port: number, dir: string, appendfsync: string): string[] {
  // Only on loopback, AOF on, no RDB snapshots.
  return [
    ...['--port', String(port), '--bind', '127.0.0.1', '--protected-mode', 'yes'],
    ...['--dir', dir, '--appendonly', 'yes', '--appendfsync', appendfsync, '--save', ''],
  ];
}

/**
 * Waits until `child` answers PING on `port` (after replaying its AOF: it says LOADING before):
 * true once it does, false if it exited (or another server answers on the port: it is not ours,
 * and ours exits). Past the deadline it is stopped and start-up fails.
 */
async function answers(child: ChildProcess, port: number, dir: string, deadline: number): Promise<boolean> {
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    const probe = new Redis(port, '127.0.0.1', {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    probe.on('error', () => undefined);
    try {
      await probe.connect();
      if ((await probe.ping()) === 'PONG') {
        const pid = /process_id:(\d+)/.exec(await probe.info('server'))?.[1];
        if (Number(pid) === child.pid) return true;
        child.kill('SIGKILL');
        return false;
      }
    } catch {
      if (Date.now() > deadline) {
        child.kill('SIGKILL'); // it would outlive this process, holding its data directory
        throw new StartupError(`the embedded redis-server did not answer within 15 s (data dir ${dir})`);
      }
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      probe.disconnect();
    }
  }
}

/**
 * With REDIS_URL unset, `start` runs a private redis-server from PATH: AOF on, data under
 * `<dataDir>/redis`, stopped (cleanly, flushing the AOF) when the store stops.
 */
export async function startEmbeddedRedis(dataDir: string, appendfsync: string): Promise<EmbeddedRedis> {
  const bin = onPath('redis-server');
  if (!bin) {
    throw new StartupError(
      'REDIS_URL is unset and no redis-server is on PATH: install it (apt-get install redis-server, or scripts/provision) or set REDIS_URL',
    );
  }
  const dir = resolve(dataDir, 'redis');
  mkdirSync(dir, { recursive: true });
  await takeOver(dir, `DATA_DIR ${dataDir}`);
  const deadline = Date.now() + 15_000;
  let child: ChildProcess | null = null;
  let port = 0;
  // The port was free when chosen, but is not held until redis-server binds it: an outgoing
  // connection of any process may take it meanwhile. Then this server exits at once (or another
  // server answers there): try another port.
  for (let attempt = 1; child === null; attempt++) {
    port = await freePort();
    child = spawnTiedToThisProcess(bin, serverArgs(port, dir, appendfsync));
    if (!(await answers(child, port, dir, deadline))) {
      if (attempt === START_ATTEMPTS)
        throw new StartupError(
          `the embedded redis-server exited (${child.exitCode ?? child.signalCode}) ${START_ATTEMPTS} times on start (data dir ${dir})`,
        );
      child = null;
    }
  }
  const url = `redis://127.0.0.1:${port}`;
  recordOwner(dir, child.pid!);
  const server = child;
  return {
    url,
    async stop() {
      if (server.exitCode === null) {
        const exited = new Promise((r) => server.once('exit', r));
        server.kill('SIGTERM');
        await exited;
      }
      forgetOwner(dir);
    },
  };
}
