import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { createConnection, type Model } from 'mongoose';
import sinon from 'sinon';
import { BulkUpserts } from '../../views/mongo/bulk-upserts.js';
import { bindModels, type MyPageDoc } from '../../views/mongo/schemas.js';
import { sharedFerret, startFerret } from '../support/ferretdb.js';
import { onRunEnd } from '../support/hooks.js';

/** The upsert the read models make for an order status at `version`. */
const status = (_id: string, version: number, orderStatus: string) => ({
  _id,
  versionPath: 'v.order',
  version,
  update: { $set: { customerId: 'c-1', 'v.order': version, orderStatus } },
});

describe('BulkUpserts: the versioned upserts of one turn in one bulk (real Mongo-wire server)', () => {
  async function myPages(): Promise<{ m: Model<MyPageDoc>; bulk: sinon.SinonSpy; one: sinon.SinonSpy }> {
    const base = process.env.MONGO_URL ?? (await sharedFerret()).url;
    const u = new URL(base);
    u.pathname = `/bulk_${randomBytes(4).toString('hex')}`;
    const conn = await createConnection(u.toString()).asPromise();
    onRunEnd(async () => {
      await conn.dropDatabase();
      await conn.close();
    });
    const m = (await bindModels(conn)).myPages;
    await m.createCollection();
    const bulk = sinon.spy(m, 'bulkWrite');
    const one = sinon.spy(m, 'updateOne');
    onRunEnd(() => Promise.resolve(sinon.restore()));
    return { m, bulk, one };
  }

  it('sends the upserts of one turn in one bulkWrite, each answered applied', async () => {
    const { m, bulk, one } = await myPages();
    const upserts = new BulkUpserts(m);
    const applied = await Promise.all(
      ['o-1', 'o-2', 'o-3'].map((id) => upserts.run(status(id, 1, 'Ordered'))),
    );
    expect(applied).to.deep.equal([true, true, true]);
    expect(bulk.callCount, 'bulkWrite calls').to.equal(1);
    expect(one.callCount, 'updateOne calls').to.equal(0);
    const docs = await m.find({}).sort({ _id: 1 }).lean();
    expect(docs.map((d) => [d._id, d.orderStatus])).to.deep.equal([
      ['o-1', 'Ordered'],
      ['o-2', 'Ordered'],
      ['o-3', 'Ordered'],
    ]);
  });

  it('runs each upsert of a failed bulk on its own: the stale one answered false and kept out, the rest applied', async () => {
    const { m, bulk, one } = await myPages();
    const upserts = new BulkUpserts(m);
    await upserts.run(status('o-2', 5, 'Accepted')); // o-2 is at version 5 already
    const applied = await Promise.all([
      upserts.run(status('o-1', 1, 'Ordered')),
      upserts.run(status('o-2', 3, 'Ordered')), // stale: its insert hits o-2's _id
      upserts.run(status('o-3', 1, 'Ordered')),
    ]);
    // o-2 stale; o-3 (after it in the ordered bulk, so not applied by it) applied on its own. o-1
    // went through in the bulk, so its own run finds it in place: false ("held already"), and its
    // document shows it applied, which is what the read models act on.
    expect(applied.slice(1)).to.deep.equal([false, true]);
    expect(bulk.callCount, 'bulkWrite calls (the first upsert went alone)').to.equal(1);
    expect(one.callCount, 'updateOne calls: the lone first, then each of the failed bulk').to.be.at.least(4);
    const docs = await m.find({}).sort({ _id: 1 }).lean();
    expect(docs.map((d) => [d._id, d.orderStatus, d.v?.order])).to.deep.equal([
      ['o-1', 'Ordered', 1],
      ['o-2', 'Accepted', 5],
      ['o-3', 'Ordered', 1],
    ]);
  });

  it('answers every upsert of a bulk that got no answer (server frozen) with that error, not one by one', async function () {
    this.timeout(60_000);
    const ferret = await startFerret();
    onRunEnd(() => ferret.stop());
    const conn = await createConnection(`${ferret.url}bulk_frozen`, {
      socketTimeoutMS: 1000,
      serverSelectionTimeoutMS: 2000,
    }).asPromise();
    onRunEnd(() => conn.close(true));
    const m = (await bindModels(conn)).myPages;
    await m.createCollection();
    const one = sinon.spy(m, 'updateOne');
    onRunEnd(() => Promise.resolve(one.restore()));
    const upserts = new BulkUpserts(m);
    process.kill(ferret.pid, 'SIGSTOP');
    let outcomes: PromiseSettledResult<boolean>[];
    try {
      outcomes = await Promise.allSettled(
        ['o-1', 'o-2', 'o-3'].map((id) => upserts.run(status(id, 1, 'Ordered'))),
      );
    } finally {
      process.kill(ferret.pid, 'SIGCONT');
    }
    expect(outcomes.map((o) => o.status)).to.deep.equal(['rejected', 'rejected', 'rejected']);
    expect(one.callCount, 'no upsert sent alone to a server that did not answer the bulk').to.equal(0);
  });
});
