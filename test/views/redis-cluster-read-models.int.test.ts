/**
 * The Redis adapter on Redis Cluster: a one-node cluster still refuses a script or pipeline
 * whose keys span slots (CROSSSLOT), so the whole contract passing here proves the key layout.
 */
import { Cluster, Redis } from 'ioredis';
import { RedisReadModels } from '../../views/redis/redis-read-models.js';
import { onRunEnd, uniquePrefix } from '../support/hooks.js';
import { waitFor } from '../support/processes.js';
import { RedisServer } from '../support/redis-server.js';
import { readModelContract } from './read-models.contract.js';

let cluster: Promise<Cluster> | null = null;
let clusterPort = 0;

async function startCluster(): Promise<Cluster> {
  const server = await RedisServer.start({
    cluster: true,
    // Without it the node announces an empty host and the cluster client cannot follow the slots.
    extraArgs: ['--cluster-announce-ip', '127.0.0.1'],
  });
  onRunEnd(() => server.stop());
  clusterPort = server.port;
  const admin = new Redis(server.port, '127.0.0.1');
  try {
    await admin.call('CLUSTER', 'ADDSLOTSRANGE', '0', '16383');
    await waitFor(async () => String(await admin.call('CLUSTER', 'INFO')).includes('cluster_state:ok'), {
      what: 'cluster_state:ok',
    });
  } finally {
    admin.disconnect();
  }
  const client = new Cluster([{ host: '127.0.0.1', port: server.port }]);
  onRunEnd(async () => {
    await client.quit();
  });
  await waitFor(async () => (await client.ping()) === 'PONG', { what: 'cluster client' });
  return client;
}

readModelContract('redis cluster', async () => {
  cluster ??= startCluster();
  const client = await cluster;
  const prefix = uniquePrefix();
  return {
    models: new RedisReadModels(client, prefix),
    closed: async () => {
      const c = new Cluster([{ host: '127.0.0.1', port: clusterPort }], { lazyConnect: true });
      await c.connect();
      await c.quit();
      return new RedisReadModels(c, prefix);
    },
    dispose: () => Promise.resolve(),
  };
});
