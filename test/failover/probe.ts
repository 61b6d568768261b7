/**
 * Measures, on one master, the window in which an acknowledged write exists on the master alone
 * (replication is asynchronous), and how many acknowledged writes a failover actually lost.
 *
 * Two connections straight to the master (no cluster client, so nothing is redirected):
 * - a counter: `INCR` as fast as it is answered, no WAIT; the last value the master acknowledged
 *   is compared with what the promoted replica holds after the failover;
 * - a sampler: `SET` then `WAIT 1 1000` every few ms; the time WAIT takes is how long that
 *   acknowledged write was on the master only.
 */
import { Redis } from 'ioredis';
import type { ClusterNode, RedisCluster } from '../support/redis-cluster.js';

export interface ProbeFigures {
  /** Acknowledged INCRs before the kill. */
  readonly acked: number;
  /** What the promoted replica holds. */
  readonly survived: number;
  /** Acknowledged but not on the replica that took over. */
  readonly lost: number;
  /** WAIT 1 latencies (ms): how long an acknowledged write was on the master only. */
  readonly waitMs: {
    readonly samples: number;
    readonly p50: number;
    readonly p99: number;
    readonly max: number;
  };
}

export interface WriteProbe {
  /** Call once the master is dead and a replica is promoted. */
  finish(): Promise<ProbeFigures>;
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

const round = (n: number): number => Math.round(n * 100) / 100;

export function startWriteProbe(cluster: RedisCluster, master: ClusterNode, key: string): WriteProbe {
  const connect = () => {
    const c = new Redis(master.port, master.host, { maxRetriesPerRequest: 0, retryStrategy: () => null });
    c.on('error', () => undefined); // the master is about to be killed: errors end the loops
    return c;
  };
  const counter = connect();
  const sampler = connect();
  let acked = 0;
  const waits: number[] = [];
  const counting = (async () => {
    for (;;) acked = await counter.incr(key);
  })().catch(() => undefined);
  const sampling = (async () => {
    for (let i = 0; ; i++) {
      await sampler.set(`${key}:s`, String(i));
      const t0 = performance.now();
      await sampler.call('WAIT', 1, 1000);
      waits.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 5));
    }
  })().catch(() => undefined);

  return {
    async finish() {
      await Promise.all([counting, sampling]);
      counter.disconnect();
      sampler.disconnect();
      const now = await cluster.nodeOf(key);
      const survived = Number((await cluster.onNode(now, (c) => c.get(key))) ?? 0);
      const sorted = [...waits].sort((a, b) => a - b);
      return {
        acked,
        survived,
        lost: Math.max(0, acked - survived),
        waitMs: {
          samples: sorted.length,
          p50: round(quantile(sorted, 0.5)),
          p99: round(quantile(sorted, 0.99)),
          max: round(sorted[sorted.length - 1] ?? 0),
        },
      };
    },
  };
}
