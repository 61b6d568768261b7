/**
 * Who runs on the embedded redis-server's data directory. A store killed with SIGKILL gets no
 * chance to stop its redis-server child, which goes on running on the directory; a store started
 * next on the same directory would start a second one, and two servers would append to one AOF.
 * So the store that starts one writes down both pids here, and the next start first stops a
 * redis-server whose store is gone (SIGTERM: it flushes its AOF and exits), and refuses to start
 * while that store still runs. Linux (`/proc`); elsewhere the check does nothing.
 */
import { readFileSync, readlinkSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StartupError } from './startup-error.js';

const OWNER_FILE = 'owner.json';

interface Owner {
  readonly storePid: number;
  readonly redisPid: number;
}

function proc(pid: number, what: 'comm' | 'cmdline'): string | null {
  try {
    return readFileSync(`/proc/${pid}/${what}`, 'utf8');
  } catch {
    return null; // not running (or no /proc)
  }
}

/** A redis-server working in `dir` (it changes into its `--dir`): not one that reused the pid. */
function isRedisServerIn(pid: number, dir: string): boolean {
  if (proc(pid, 'comm')?.trim() !== 'redis-server') return false;
  try {
    return readlinkSync(`/proc/${pid}/cwd`) === realpathSync(dir);
  } catch {
    return false;
  }
}
const isStore = (pid: number): boolean => proc(pid, 'cmdline')?.includes('appliance-store') === true;

async function exited(pid: number, dir: string, ms: number): Promise<boolean> {
  for (const deadline = Date.now() + ms; Date.now() < deadline;) {
    if (!isRedisServerIn(pid, dir)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !isRedisServerIn(pid, dir);
}

/** Before starting a redis-server on `dir`: stop one a killed store left there; refuse a live store's. */
export async function takeOver(dir: string, dataDirVariable: string): Promise<void> {
  let owner: Owner;
  try {
    owner = JSON.parse(readFileSync(join(dir, OWNER_FILE), 'utf8')) as Owner;
  } catch {
    return; // none recorded: a fresh directory, or the last store stopped cleanly
  }
  if (owner.storePid !== process.pid && isStore(owner.storePid)) {
    throw new StartupError(
      `${dataDirVariable} is in use by another running store (pid ${owner.storePid}, redis-server pid ${owner.redisPid}): stop it, or set DATA_DIR or REDIS_URL`,
    );
  }
  if (isRedisServerIn(owner.redisPid, dir)) {
    process.kill(owner.redisPid, 'SIGTERM');
    if (!(await exited(owner.redisPid, dir, 10_000))) process.kill(owner.redisPid, 'SIGKILL');
  }
  rmSync(join(dir, OWNER_FILE), { force: true });
}

export function recordOwner(dir: string, redisPid: number): void {
  const owner: Owner = { storePid: process.pid, redisPid };
  writeFileSync(join(dir, OWNER_FILE), JSON.stringify(owner));
}

export function forgetOwner(dir: string): void {
  rmSync(join(dir, OWNER_FILE), { force: true });
}
