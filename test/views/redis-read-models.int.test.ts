import { Redis } from 'ioredis';
import { RedisReadModels } from '../../views/redis/redis-read-models.js';
import { onRunEnd, sharedRedis, uniquePrefix } from '../support/hooks.js';
import { readModelContract } from './read-models.contract.js';

let client: Redis | null = null;

async function redisClient(): Promise<Redis> {
  if (client) return client;
  const server = await sharedRedis();
  const c = new Redis(server.url, { lazyConnect: true });
  await c.connect();
  onRunEnd(async () => {
    await c.quit();
  });
  client = c;
  return c;
}

readModelContract('redis', async () => {
  const redis = await redisClient();
  const prefix = uniquePrefix();
  return {
    models: new RedisReadModels(redis, prefix),
    closed: async () => {
      const c = new Redis((await sharedRedis()).url, { lazyConnect: true });
      await c.connect();
      await c.quit();
      return new RedisReadModels(c, prefix);
    },
    dispose: async () => {
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
    },
  };
});
