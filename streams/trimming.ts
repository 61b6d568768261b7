import { raw } from './redis.js';
import type { RunnerEnv } from './unit.js';

/** Delete everything below the oldest entry some group still needs (never unacked work). */
export async function trimEventStream(env: Pick<RunnerEnv, 'redis'>, stream: string): Promise<void> {
  const groups = (await raw(env.redis, 'XINFO', 'GROUPS', stream)) as unknown[];
  let min: string | null = null;
  for (const g of groups) {
    if (!Array.isArray(g)) continue;
    const info = new Map<string, unknown>();
    for (let i = 0; i + 1 < g.length; i += 2) info.set(String(g[i]), g[i + 1]);
    const name = String(info.get('name'));
    const lastDelivered = String(info.get('last-delivered-id'));
    const summary = (await raw(env.redis, 'XPENDING', stream, name)) as unknown[];
    const oldestPending = Number(summary[0]) > 0 ? String(summary[1]) : null;
    const keepFrom = oldestPending ?? nextId(lastDelivered);
    if (min === null || compareIds(keepFrom, min) < 0) min = keepFrom;
  }
  if (min !== null && min !== '0-1') await raw(env.redis, 'XTRIM', stream, 'MINID', min);
}

function nextId(id: string): string {
  const [ms, seq] = id.split('-');
  return `${ms}-${Number(seq) + 1}`;
}

export function compareIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(Number);
  const [bm, bs] = b.split('-').map(Number);
  return am! !== bm! ? am! - bm! : as! - bs!;
}
