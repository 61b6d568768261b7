import { randomBytes } from 'node:crypto';
import { createConnection } from 'mongoose';
import { MongoReadModels } from '../../views/mongo/mongo-read-models.js';
import { sharedFerret } from '../support/ferretdb.js';
import { readModelContract } from './read-models.contract.js';

// MONGO_URL (a real MongoDB, or any server) wins over the private FerretDB.
const fileDb = `rm_${randomBytes(4).toString('hex')}`;
let n = 0;

/** `base` with its path replaced by `db` (keeps credentials and query options). */
function withDatabase(base: string, db: string): string {
  const u = new URL(base);
  u.pathname = `/${db}`;
  return u.toString();
}

readModelContract('mongo', async () => {
  const base = process.env.MONGO_URL ?? (await sharedFerret()).url;
  // A database per test (under this file's unique name): the store board is global, so tests
  // must not see each other's items.
  const url = withDatabase(base, `${fileDb}_${++n}`);
  const models = await MongoReadModels.connect(url);
  return {
    models,
    closed: async () => {
      const other = await MongoReadModels.connect(url);
      await other.close();
      return other;
    },
    dispose: async () => {
      await models.close();
      const conn = await createConnection(url).asPromise();
      await conn.dropDatabase();
      await conn.close();
    },
  };
});
