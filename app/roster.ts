import type { CourierRoster } from '../actors/index.js';
import type { Keys, RedisClient } from '../streams/index.js';

/** Couriers in turn across every delivery process: one shared counter in Redis. */
export function redisRoster(redis: RedisClient, keys: Keys, couriers: readonly string[]): CourierRoster {
  return {
    async next() {
      const n = await redis.incr(keys.counter('courier-turn'));
      return couriers[(n - 1) % couriers.length]!;
    },
  };
}
