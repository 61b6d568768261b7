import { Gauge, type Registry } from 'prom-client';
import { SCRAPE_DEADLINE_MS, within, type ActorRuntime } from '../streams/index.js';
import type { AdminPort } from '../http/ports.js';

/** The operations surface of `/admin/*`, read from the runtime. */
export function runtimeAdmin(rt: ActorRuntime): AdminPort {
  return {
    async mailboxes() {
      const stats = await rt.stats();
      return stats.map((s) => ({
        type: s.unit.group,
        shard: s.unit.shard,
        length: s.length,
        lag: s.lag,
        pending: s.pending,
        owner: s.owner,
      }));
    },
    actor: (type, key) => rt.state(type, key),
    async deadLetters(limit) {
      const letters = await rt.deadLetters(limit);
      return letters.map((d) => {
        let key = '';
        let messageType = '';
        try {
          const w = JSON.parse(d.payload) as { k?: string; t?: string };
          key = w.k ?? '';
          messageType = w.t ?? '';
        } catch {
          // the payload itself was what did not parse
        }
        return {
          id: d.id,
          type: d.unit.group,
          shard: d.unit.shard,
          key,
          messageType,
          error: d.error,
          at: new Date(d.at).toISOString(),
        };
      });
    },
    replayDeadLetter: (id) => rt.replay(id),
    async orderBacklog() {
      const stats = await rt.stats(rt.actorUnits('order'));
      return stats.reduce((sum, s) => sum + s.lag, 0);
    },
  };
}

/**
 * Makes this process also report the per-shard gauges (lag, pending, owner) of the groups it does
 * not run itself (`runs`: the group names of its roles; a role is named after its group). Wired on edge processes: the runtime reports only the groups a process runs, so
 * with every pod of a worker group gone (crash loop, rollout gone wrong) nothing would report that
 * group's lag and the autoscaler and the "shard without an owner" alert would see no data at all.
 * Queries aggregate with `max by (type, shard)`, so a second reporter changes no answer.
 */
export function observeForeignMailboxes(
  rt: ActorRuntime,
  registry: Registry,
  runs: ReadonlySet<string>,
): void {
  const units = rt.allUnits().filter((u) => !runs.has(u.group));
  if (units.length === 0) return;
  const gauge = (name: string): Gauge | null => {
    const m = registry.getSingleMetric(name);
    return m instanceof Gauge ? m : null;
  };
  const lag = gauge('appliance_mailbox_lag');
  const pending = gauge('appliance_mailbox_pending');
  const hasOwner = gauge('appliance_shard_has_owner');
  if (!lag || !pending || !hasOwner) return;
  let last: { at: number; p: Promise<void> } | null = null;
  const refresh = (): Promise<void> => {
    if (last && Date.now() - last.at < 500) return last.p;
    // Within the runtime's scrape deadline: Redis away must not hold the scrape (see observe()).
    if (!rt.redisReady()) return Promise.resolve();
    const p = within(rt.stats(units), SCRAPE_DEADLINE_MS, () => []).then(
      (stats) => {
        for (const s of stats) {
          const l = { type: s.unit.group, shard: s.unit.shard };
          lag.set(l, s.lag);
          pending.set(l, s.pending);
          hasOwner.set(l, s.owner ? 1 : 0);
        }
      },
      () => undefined, // Redis away: the runtime's own collection reports appliance_redis_up 0
    );
    last = { at: Date.now(), p };
    return p;
  };
  // The runtime installed its own collect on these gauges: run both on every scrape.
  for (const g of [lag, pending, hasOwner]) {
    const slot = g as unknown as { collect?: () => Promise<void> | void };
    const own = slot.collect;
    slot.collect = async () => {
      await own?.call(g);
      await refresh();
    };
  }
}
