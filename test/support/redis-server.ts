import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { requireTool } from './tools.js';
import { freeClusterPort, freePort, spawnTracked, stopProcess, waitFor } from './processes.js';

export interface RedisServerOptions {
  readonly appendonly?: boolean;
  readonly appendfsync?: 'always' | 'everysec' | 'no';
  readonly cluster?: boolean;
  readonly port?: number;
  readonly dir?: string;
  readonly extraArgs?: readonly string[];
}

/** A private redis-server on a free loopback port, with its own data dir. */
export class RedisServer {
  private child: ChildProcess | null = null;
  private constructor(
    readonly port: number,
    readonly dir: string,
    private readonly opts: RedisServerOptions,
  ) {}

  static async start(opts: RedisServerOptions = {}): Promise<RedisServer> {
    const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'as-redis-'));
    // A port chosen here can be taken before the server binds it (another test's server picking
    // the same one): then it exits at once, and another port is tried.
    for (let tries = 1; ; tries++) {
      const port = opts.port ?? (opts.cluster ? await freeClusterPort() : await freePort());
      const srv = new RedisServer(port, dir, opts);
      try {
        await srv.launch();
        return srv;
      } catch (err) {
        if (opts.port !== undefined || tries >= 3 || !srv.exitedAtLaunch) throw err;
      }
    }
  }

  /** The server process ended while it was being started (its port was taken, say). */
  private get exitedAtLaunch(): boolean {
    return this.child !== null && (this.child.exitCode !== null || this.child.signalCode !== null);
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** (Re)start the process on the same port and data dir (AOF replays what it holds). */
  async launch(): Promise<void> {
    const bin = requireTool('redis-server');
    const args = [
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      '--dir',
      this.dir,
      '--save',
      '',
      '--appendonly',
      this.opts.appendonly ? 'yes' : 'no',
      '--appendfsync',
      this.opts.appendfsync ?? 'everysec',
      '--protected-mode',
      'no',
      '--loglevel',
      'warning',
      ...(this.opts.cluster
        ? [
            '--cluster-enabled',
            'yes',
            '--cluster-announce-ip',
            '127.0.0.1',
            '--cluster-config-file',
            join(this.dir, 'nodes.conf'),
            '--cluster-node-timeout',
            '2000',
          ]
        : []),
      ...(this.opts.extraArgs ?? []),
    ];
    const child = spawnTracked(bin, args);
    this.child = child;
    await waitFor(
      async () => {
        if (child.exitCode !== null || child.signalCode !== null) {
          throw new Error(
            `redis-server on port ${this.port} exited at start (${child.exitCode ?? child.signalCode})`,
          );
        }
        const c = new Redis(this.port, '127.0.0.1', {
          lazyConnect: true,
          maxRetriesPerRequest: 0,
          retryStrategy: () => null,
        });
        c.on('error', () => undefined); // refused until the server listens: expected while polling
        try {
          await c.connect();
          const pong = await c.ping();
          return pong === 'PONG';
        } finally {
          c.disconnect();
        }
      },
      { timeoutMs: 10_000, what: `redis-server on port ${this.port}` },
    );
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.child) await stopProcess(this.child, signal);
    this.child = null;
  }

  async stop(): Promise<void> {
    await this.kill('SIGTERM');
    rmSync(this.dir, { recursive: true, force: true });
  }
}
