/**
 * The read models (CQRS): my page, store board, messages. One port, two adapters; the
 * composition root picks one with `createReadModels`.
 */
import { MongoReadModels } from './mongo/mongo-read-models.js';
import type { ReadModels } from './port.js';
import { RedisReadModels } from './redis/redis-read-models.js';
import type { RedisClient } from './redis/script.js';

export type { CustomerMessage, MyPageItem, Page, ReadModels, StoreBoardItem } from './port.js';
export { InvalidCursorError } from './cursor.js';
export { myPageChange, storeBoardChange, type MyPageChange, type StoreBoardChange } from './changes.js';
export { MongoReadModels } from './mongo/mongo-read-models.js';
export { RedisReadModels } from './redis/redis-read-models.js';
export type { RedisClient } from './redis/script.js';

export interface ReadModelsOptions {
  /** The store's Redis (single node or cluster): used when `mongoUrl` is not set. Borrowed, not closed. */
  readonly redis: RedisClient;
  /** Prefix of every read-model key in Redis (`${prefix}:rm:…`). */
  readonly prefix: string;
  /** MONGO_URL: when set, the read models live in MongoDB (or FerretDB) instead. */
  readonly mongoUrl?: string | null;
}

/**
 * Mongo when `mongoUrl` is set, else Redis. Rejects when Mongo does not answer within the
 * driver's server-selection timeout (10 s), so a bad MONGO_URL stops the process at start.
 */
export async function createReadModels({ redis, prefix, mongoUrl }: ReadModelsOptions): Promise<ReadModels> {
  if (mongoUrl) return MongoReadModels.connect(mongoUrl);
  return new RedisReadModels(redis, prefix);
}
