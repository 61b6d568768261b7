/**
 * `npm run bench:mongo-writes`: would batching the projections' Mongo writes pay off? The my-page
 * upsert exactly as the Mongo read models write it (filtered on the source's version, upsert),
 * against a private FerretDB 1.24 on SQLite (the Mongo-wire server of this project's tests), in
 * one run, three ways over fresh documents:
 * - one by one (`updateOne`, awaited in turn): what a projector shard does for one key's events;
 * - concurrently (`updateOne` × CONCURRENCY in flight): what many keys' events do today;
 * - batched (`bulkWrite` of BATCH upserts, ordered): the write batching in question.
 *
 * And a probe of what batching would have to rely on: an ordered bulk of three upserts whose
 * second is stale (its version filter matches nothing, so its insert hits the existing `_id`):
 * which error index the server reports, and which upserts it applied. The read models need each
 * upsert's own outcome (applied, or stale).
 *
 * Then the read models themselves (`MongoReadModels.apply`, as the projector calls it): ORDERS
 * orders' OrderPlaced, PaymentApproved and StoreOrderReceived, each order's events in turn and
 * CONCURRENCY orders at a time, with the adapter's write batching (BulkUpserts) on and off.
 *
 * Prints one JSON line. Knobs (env): WRITES (default 500 per way), BATCH (100), CONCURRENCY (50),
 * ORDERS (200).
 */
import { createConnection } from 'mongoose';
import { MongoReadModels } from '../views/mongo/mongo-read-models.js';
import { bindModels } from '../views/mongo/schemas.js';
import { OrderEvents } from '../test/views/fixtures.js';
import { killAll } from '../test/support/processes.js';
import { startFerret } from '../test/support/ferretdb.js';
import { num, round } from './support/actor-load.js';

const WRITES = num('WRITES', 500);
const BATCH = num('BATCH', 100);
const CONCURRENCY = num('CONCURRENCY', 50);
const ORDERS = num('ORDERS', 200);

type Model = Awaited<ReturnType<typeof bindModels>>['myPages'];
type Way = (m: Model, ids: string[]) => Promise<void>;

const upsert = (id: string) => ({
  filter: { _id: id, $or: [{ 'v.order': { $lt: 1 } }, { 'v.order': { $exists: false } }] },
  update: { $set: { customerId: 'c-bench', 'v.order': 1, orderStatus: 'Ordered' } },
});
const write = (m: Model, id: string) => {
  const { filter, update } = upsert(id);
  return m.updateOne(filter as never, update, { upsert: true });
};

const ways: Record<string, Way> = {
  one_by_one: async (m, ids) => {
    for (const id of ids) await write(m, id);
  },
  concurrent: async (m, ids) => {
    for (let i = 0; i < ids.length; i += CONCURRENCY) {
      await Promise.all(ids.slice(i, i + CONCURRENCY).map((id) => write(m, id)));
    }
  },
  batched: async (m, ids) => {
    for (let i = 0; i < ids.length; i += BATCH) {
      const ops = ids.slice(i, i + BATCH).map((id) => ({ updateOne: { ...upsert(id), upsert: true } }));
      await m.bulkWrite(ops, { ordered: true });
    }
  },
};

const ferret = await startFerret();
let runs = 0;
/**
 * One way, WRITES upserts of new documents into a fresh database (FerretDB's cost per write grows
 * with the collection, so every way starts from the same empty one). Returns ms per upsert.
 */
async function timed(name: string, way: Way): Promise<number> {
  const conn = await createConnection(`${ferret.url}bench_${name}_${++runs}`, {
    bufferCommands: false,
  }).asPromise();
  try {
    const { myPages } = await bindModels(conn);
    await write(myPages, 'warmup'); // the collection and its table exist before the clock starts
    const ids = Array.from({ length: WRITES }, (_, i) => `${name}-${i}`);
    const t0 = performance.now();
    await way(myPages, ids);
    const ms = performance.now() - t0;
    if ((await myPages.countDocuments({ _id: { $in: ids } })) !== WRITES) {
      throw new Error(`${name}: not every upsert was applied`);
    }
    await conn.dropDatabase();
    return ms / WRITES;
  } finally {
    await conn.close();
  }
}

/** The probe: what the server says about an ordered bulk [new, stale, new]. */
async function staleInBulk(): Promise<{ reported_error_index: unknown; applied: string[] }> {
  const conn = await createConnection(`${ferret.url}bench_probe`, { bufferCommands: false }).asPromise();
  try {
    const { myPages } = await bindModels(conn);
    await myPages.create({ _id: 'kept', customerId: 'c-bench', v: { order: 5 } });
    const stale = {
      filter: { _id: 'kept', $or: [{ 'v.order': { $lt: 3 } }, { 'v.order': { $exists: false } }] },
      update: { $set: { 'v.order': 3, orderStatus: 'Stale' } },
    };
    const ops = [upsert('first'), stale, upsert('third')].map((u) => ({ updateOne: { ...u, upsert: true } }));
    let reported: unknown = null;
    try {
      await myPages.bulkWrite(ops, { ordered: true });
    } catch (err) {
      const list = (err as { writeErrors?: { index?: unknown }[] }).writeErrors;
      reported = Array.isArray(list) ? list.map((e) => e.index) : list;
    }
    const docs = await myPages.find({ orderStatus: { $in: ['Ordered', 'Stale'] } }).lean();
    await conn.dropDatabase();
    return { reported_error_index: reported, applied: docs.map((d) => String(d._id)).sort() };
  } finally {
    await conn.close();
  }
}

/** ms per event applied by the read models, with their write batching on or off. */
async function readModels(batchWrites: boolean): Promise<number> {
  const url = `${ferret.url}bench_rm_${++runs}`;
  const models = await MongoReadModels.connect(url, { batchWrites });
  const conn = await createConnection(url, { bufferCommands: false }).asPromise();
  try {
    const events = (o: OrderEvents) => [o.placed(), o.approved(), o.received()];
    for (const e of events(new OrderEvents('warmup', 'c-bench'))) await models.apply(e); // collections exist
    const orders = Array.from({ length: ORDERS }, (_, i) => new OrderEvents(`rm-${i}`, 'c-bench'));
    const t0 = performance.now();
    for (let i = 0; i < orders.length; i += CONCURRENCY) {
      await Promise.all(
        orders.slice(i, i + CONCURRENCY).map(async (o) => {
          for (const e of events(o)) await models.apply(e);
        }),
      );
    }
    const ms = performance.now() - t0;
    const { myPages, storeBoard } = await bindModels(conn);
    const pages = await myPages.countDocuments({ paymentStatus: 'Approved', orderStatus: 'Ordered' });
    const items = await storeBoard.countDocuments({ status: 'Received' });
    if (pages !== ORDERS + 1 || items !== ORDERS + 1) {
      throw new Error(`read models (batching ${batchWrites}): ${pages} pages and ${items} items`);
    }
    await conn.dropDatabase();
    return ms / (3 * ORDERS);
  } finally {
    await models.close();
    await conn.close();
  }
}

try {
  // Two rounds in alternating order; the best (least disturbed) of each way is compared.
  const best: Record<string, number> = {};
  for (const order of [Object.keys(ways), Object.keys(ways).reverse()]) {
    for (const name of order) best[name] = Math.min(best[name] ?? Infinity, await timed(name, ways[name]!));
  }
  const rm: Record<string, number> = {};
  for (const batched of [true, false, false, true]) {
    const name = batched ? 'batched' : 'unbatched';
    rm[name] = Math.min(rm[name] ?? Infinity, await readModels(batched));
  }
  const figure = (name: string) => ({
    upserts_per_s: Math.round(1000 / best[name]!),
    ms_per_upsert: round(best[name]!),
  });
  console.log(
    JSON.stringify({
      bench: 'mongo-writes',
      server: 'FerretDB 1.24, SQLite backend',
      one_by_one: figure('one_by_one'),
      concurrent: figure('concurrent'),
      batched: figure('batched'),
      ordered_bulk_with_stale_upsert_at_1: await staleInBulk(),
      batched_vs_one_by_one: round(best.one_by_one! / best.batched!),
      batched_vs_concurrent: round(best.concurrent! / best.batched!),
      read_models: {
        what: 'MongoReadModels.apply: OrderPlaced, PaymentApproved, StoreOrderReceived per order',
        batched_events_per_s: Math.round(1000 / rm.batched!),
        unbatched_events_per_s: Math.round(1000 / rm.unbatched!),
        batched_vs_unbatched: round(rm.unbatched! / rm.batched!),
        orders: ORDERS,
      },
      writes: WRITES,
      batch: BATCH,
      concurrency: CONCURRENCY,
      node: process.version,
    }),
  );
} finally {
  await ferret.stop();
  await killAll();
}
