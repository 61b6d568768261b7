/**
 * A private FerretDB 1.24 (MongoDB wire protocol over SQLite) for the Mongo read-model tests:
 * a free loopback port, its own temp data dir, no debug HTTP listener, no telemetry.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mongoose';
import { onRunEnd } from './hooks.js';
import { freePort, spawnTracked, stopProcess, waitFor } from './processes.js';
import { requireTool } from './tools.js';

export interface FerretServer {
  /** `mongodb://127.0.0.1:PORT/` (append a database name). */
  readonly url: string;
  /** The server's process (to freeze it with SIGSTOP in a test). */
  readonly pid: number;
  stop(): Promise<void>;
}

/** Starts a FerretDB and waits until it accepts connections and answers a ping. */
export async function startFerret(): Promise<FerretServer> {
  const bin = requireTool('ferretdb');
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'as-ferret-'));
  const child = spawnTracked(
    bin,
    [
      '--handler=sqlite',
      `--sqlite-url=file:${dir}/`,
      `--state-dir=${dir}`,
      `--listen-addr=127.0.0.1:${port}`,
      '--debug-addr=-',
      '--telemetry=disable',
      '--log-level=error',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  const url = `mongodb://127.0.0.1:${port}/`;
  const stop = async (): Promise<void> => {
    await stopProcess(child, 'SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null)
          throw new Error(`ferretdb exited with ${child.exitCode}: ${stderr.trim()}`);
        return answers(url);
      },
      { timeoutMs: 20_000, what: `ferretdb on port ${port}` },
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, pid: child.pid!, stop };
}

let shared: Promise<FerretServer> | null = null;

/** One FerretDB for the whole run (started on first use, stopped at the end); isolate by database name. */
export function sharedFerret(): Promise<FerretServer> {
  if (!shared) {
    const started = startFerret();
    shared = started;
    onRunEnd(async () => {
      await (await started).stop();
    });
  }
  return shared;
}

/** True once FerretDB answers a ping over the wire protocol (its SQLite backend is ready). */
async function answers(url: string): Promise<boolean> {
  const conn = createConnection(url, { serverSelectionTimeoutMS: 500, bufferCommands: false });
  try {
    await conn.asPromise();
    const reply = await conn.db?.command({ ping: 1 });
    return reply?.ok === 1;
  } catch {
    return false;
  } finally {
    await conn.close().catch(() => undefined);
  }
}
