/**
 * CPU time of processes, read from /proc (user + system, ms). On a shared machine CPU time per
 * request is steadier than requests per second: it is the cost, whatever share of the cores
 * the run was given.
 */
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';

const TICK_MS = 10; // USER_HZ is 100 on Linux

/** utime + stime of `pid` in ms (0 when the process is gone). */
export function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) * TICK_MS;
  } catch {
    return 0;
  }
}

/** CPU ms each named pid spent between `start()` and `stop()`. */
export function cpuMeter(pids: Record<string, number>): { stop(): Record<string, number> } {
  const before = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuMs(pid)]));
  return {
    stop: () =>
      Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuMs(pid) - (before[k] ?? 0)])),
  };
}

/** Redis commands executed so far, by command (INFO commandstats). */
export async function redisCommands(url: string): Promise<Map<string, number>> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    const info = await redis.info('commandstats');
    const calls = new Map<string, number>();
    for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls.set(m[1]!, Number(m[2]));
    return calls;
  } finally {
    redis.disconnect();
  }
}

/** Commands per unit of work between two snapshots, largest first. */
export function commandsPer(
  before: Map<string, number>,
  after: Map<string, number>,
  units: number,
): Record<string, number> {
  const out: [string, number][] = [];
  for (const [cmd, n] of after) {
    const d = n - (before.get(cmd) ?? 0);
    if (d > 0) out.push([cmd, Math.round((d / Math.max(1, units)) * 100) / 100]);
  }
  out.sort((a, b) => b[1] - a[1]);
  return Object.fromEntries(out);
}
