/** The ioredis clients the read models accept: a single node or a cluster. */
import type { Cluster, Redis } from 'ioredis';

export type RedisClient = Redis | Cluster;
