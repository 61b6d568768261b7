/**
 * A private Redis Cluster for the runtime's cluster tests: 3 masters (optionally with one replica
 * each) on free loopback ports, joined by `redis-cli --cluster create`, ready once every node
 * reports `cluster_state:ok` and agrees on the slot map. One shared cluster per run, or a private
 * one (`startPrivateRedisCluster`) for a test that kills its nodes.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { onRunEnd } from './hooks.js';
import { waitFor } from './processes.js';
import { RedisServer } from './redis-server.js';
import { requireTool } from './tools.js';

const run = promisify(execFile);

export interface ClusterNode {
  readonly host: string;
  readonly port: number;
}

export interface RedisCluster {
  /** Every node, masters first (replicas after, when asked for). */
  readonly nodes: readonly ClusterNode[];
  /** The masters' addresses (what `CLUSTER SLOTS` lists first per range). */
  readonly masters: readonly ClusterNode[];
  /** `host:port,host:port,…`: the value of `REDIS_CLUSTER_NODES`. */
  readonly nodesEnv: string;
  /** The node serving a key's slot right now (asks the cluster, so it follows failovers). */
  nodeOf(key: string): Promise<ClusterNode>;
  /** Run commands on one node directly (no redirections): CLUSTER INFO, EXISTS of a local key… */
  onNode<T>(node: ClusterNode, fn: (c: Redis) => Promise<T>): Promise<T>;
  /** The redis-server of a node, e.g. to kill it in a failover test. */
  server(node: ClusterNode): RedisServer;
  stop(): Promise<void>;
}

export interface RedisClusterOptions {
  /** Replicas per master (0 or 1): 1 gives 3 masters + 3 replicas for failover tests. */
  readonly replicas?: 0 | 1;
}

const MASTERS = 3;

const shared = new Map<number, Promise<RedisCluster>>();

/**
 * The run's cluster of this shape, started on first use and shared (tests isolate themselves by
 * key prefix); stopped when the run ends. After `stop()` the next call starts a fresh one.
 */
export function startRedisCluster(o: RedisClusterOptions = {}): Promise<RedisCluster> {
  const replicas = o.replicas ?? 0;
  let c = shared.get(replicas);
  if (!c) {
    c = launchCluster(replicas, () => shared.delete(replicas));
    shared.set(replicas, c);
    c.catch(() => shared.delete(replicas));
  }
  return c;
}

/**
 * A cluster of this test's own (3 masters, and 3 replicas with `replicas: 1`): kill its masters at
 * will. Stop it when done (it is also stopped when the run ends).
 */
export function startPrivateRedisCluster(o: RedisClusterOptions = {}): Promise<RedisCluster> {
  return launchCluster(o.replicas ?? 0, () => undefined);
}

async function launchCluster(replicas: 0 | 1, onStop: () => void): Promise<RedisCluster> {
  const cli = requireTool('redis-cli');
  const count = MASTERS * (1 + replicas);
  const servers = await Promise.all(
    Array.from({ length: count }, () => RedisServer.start({ cluster: true })),
  );
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    onStop();
    await Promise.all(servers.map((s) => s.stop().catch(() => undefined)));
  };
  onRunEnd(stop);
  const nodes = servers.map((s) => ({ host: '127.0.0.1', port: s.port }));
  try {
    await run(
      cli,
      [
        '--cluster',
        'create',
        ...nodes.map((n) => `${n.host}:${n.port}`),
        '--cluster-replicas',
        String(replicas),
        '--cluster-yes',
      ],
      { timeout: 30_000 },
    );
    await waitFor(() => allOk(nodes, count), {
      timeoutMs: 30_000,
      intervalMs: 100,
      what: 'cluster_state:ok on every node',
    });
    // A replica can take its master's place only once it has synced: killed before that (Redis
    // delays the first diskless sync by 5 s), a master is never replaced, since its replica refuses
    // ("disconnected from master for longer than allowed"). Seen in the failover test once orders
    // started fast enough to reach the kill within those 5 s.
    if (replicas > 0) {
      await waitFor(() => replicasInSync(nodes, MASTERS * replicas), {
        timeoutMs: 30_000,
        intervalMs: 100,
        what: 'every replica synced with its master',
      });
    }
  } catch (err) {
    await stop();
    throw err;
  }
  const masters = await mastersOf(nodes[0]!);
  return {
    nodes,
    masters,
    nodesEnv: nodes.map((n) => `${n.host}:${n.port}`).join(','),
    nodeOf: async (key) => nodeOfKey(nodes, key),
    onNode: withNode,
    server: (node) => {
      const s = servers.find((x) => x.port === node.port);
      if (!s) throw new Error(`no server on port ${node.port} in this cluster`);
      return s;
    },
    stop,
  };
}

/** Short-lived connection to one node, for admin commands (CLUSTER INFO, KEYSLOT…). */
async function withNode<T>(node: ClusterNode, fn: (c: Redis) => Promise<T>): Promise<T> {
  const c = new Redis(node.port, node.host, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  c.on('error', () => undefined); // a node still starting refuses: the caller polls
  try {
    await c.connect();
    return await fn(c);
  } finally {
    c.disconnect();
  }
}

/** Every node says the cluster is ok, knows all nodes, and sees all 16384 slots assigned. */
async function allOk(nodes: readonly ClusterNode[], count: number): Promise<boolean> {
  for (const n of nodes) {
    const info = await withNode(n, (c) => c.cluster('INFO'));
    const field = (name: string) => new RegExp(`^${name}:(\\S+)`, 'm').exec(info)?.[1];
    if (field('cluster_state') !== 'ok') return false;
    if (field('cluster_slots_assigned') !== '16384') return false;
    if (Number(field('cluster_known_nodes')) !== count) return false;
  }
  return true;
}

/** All `expected` replicas are replicas, each with its link to its master up (initial sync done). */
async function replicasInSync(nodes: readonly ClusterNode[], expected: number): Promise<boolean> {
  let synced = 0;
  for (const n of nodes) {
    const info = await withNode(n, (c) => c.info('replication'));
    if (/^role:slave/m.test(info) && /^master_link_status:up/m.test(info)) synced++;
  }
  return synced === expected;
}

/** The masters, from CLUSTER SLOTS (first address of each slot range). */
async function mastersOf(node: ClusterNode): Promise<ClusterNode[]> {
  const slots = (await withNode(node, (c) => c.call('CLUSTER', 'SLOTS'))) as unknown[];
  const seen = new Map<number, ClusterNode>();
  for (const range of slots) {
    if (!Array.isArray(range) || !Array.isArray(range[2])) continue;
    const port = Number(range[2][1]);
    seen.set(port, { host: String(range[2][0]), port });
  }
  return [...seen.values()].sort((a, b) => a.port - b.port);
}

/** Asks the first node that answers (a killed node does not), so it works through failovers. */
async function nodeOfKey(nodes: readonly ClusterNode[], key: string): Promise<ClusterNode> {
  let lastErr: unknown = null;
  for (const node of nodes) {
    try {
      return await slotOwner(node, key);
    } catch (err) {
      lastErr = err;
    }
  }
  throw lastErr instanceof Error ? lastErr : new Error(`no node answered for ${key}`);
}

async function slotOwner(node: ClusterNode, key: string): Promise<ClusterNode> {
  return withNode(node, async (c) => {
    const slot = Number(await c.call('CLUSTER', 'KEYSLOT', key));
    const slots = (await c.call('CLUSTER', 'SLOTS')) as unknown[];
    for (const range of slots) {
      if (!Array.isArray(range) || !Array.isArray(range[2])) continue;
      if (slot >= Number(range[0]) && slot <= Number(range[1])) {
        return { host: String(range[2][0]), port: Number(range[2][1]) };
      }
    }
    throw new Error(`slot ${slot} of ${key} is not served by any node`);
  });
}
