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
  const port = await freePort();
  const child: ChildProcess = spawn(
    bin,
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--appendonly',
      'yes',
      '--appendfsync',
      appendfsync,
      '--save',
      '',
      '--protected-mode',
      'yes',
    ],
    { stdio: 'ignore' },
  );
  const url = `redis://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new StartupError(
        `the embedded redis-server exited with code ${child.exitCode} (data dir ${dir})`,
      );
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => undefined);
    try {
      await probe.connect();
      // AOF replay happens before the server answers PING with PONG (it says LOADING before).
      if ((await probe.ping()) === 'PONG') break;
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
  recordOwner(dir, child.pid!);
  return {
    url,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      forgetOwner(dir);
    },
  };
}
