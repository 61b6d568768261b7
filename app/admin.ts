import type { ActorRuntime } from '../streams/index.js';
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
        return { id: d.id, type: d.unit.group, shard: d.unit.shard, key, messageType, error: d.error, at: new Date(d.at).toISOString() };
      });
    },
    replayDeadLetter: (id) => rt.replay(id),
    async orderBacklog() {
      const stats = await rt.stats(rt.actorUnits('order'));
      return stats.reduce((sum, s) => sum + s.lag, 0);
    },
  };
}
