import type { Model } from 'mongoose';

type Filter = Record<string, unknown>;

/** An upsert of one document, applied only when the stored version at `versionPath` is older or absent. */
export interface VersionedUpsert {
  readonly _id: string;
  readonly versionPath: string;
  readonly version: number;
  readonly update: Filter;
}

interface Waiting {
  readonly op: VersionedUpsert;
  readonly resolve: (applied: boolean) => void;
  readonly reject: (err: unknown) => void;
}

/** A batch stops at this many upserts (the rest go in the next one). */
const MAX_BATCH = 100;

/**
 * The versioned upserts of one collection made in one event-loop turn (the projector applies the
 * events of many orders concurrently), sent as one ordered `bulkWrite` instead of one `updateOne`
 * each: 1.2–1.4× the events per second the read models apply on FerretDB (`npm run
 * bench:mongo-writes`), and one round trip instead of up to a hundred on MongoDB.
 *
 * Each caller still learns its own upsert's outcome: applied, or stale (the version filter matched
 * nothing, so the upsert's insert hit the existing `_id`). When the whole bulk succeeds, every
 * upsert in it was applied. When one of its writes fails, the failing upsert is not named
 * reliably (FerretDB 1.24 reports an ordered bulk's failure at the wrong index), so every upsert
 * of the batch is run again on its own and answered by that run. When the bulk as a whole gets no
 * answer (a timeout, a lost connection: the server is slow or away), every caller gets that error
 * and retries with back-off: running a hundred upserts one by one against a server that could not
 * answer one bulk would only bury it deeper (measured by a black-box tester: FerretDB's drain rate
 * fell from ≈ 15 to ≈ 2 events/s under such a storm). One the bulk applied matches nothing then and is answered
 * stale, which is safe: its effect is in place, and all a stale answer leads the read models to do
 * is fill in an order line that is missing (idempotent). Stale events are rare (redeliveries), so
 * almost every batch goes through whole.
 *
 * Two upserts of one document never meet in a batch: the read models write a document one
 * upsert at a time (KeyedLock), so its next upsert starts only after this one is answered.
 */
export class BulkUpserts<D> {
  private waiting: Waiting[] = [];

  constructor(
    private readonly model: Model<D>,
    private readonly batch = true,
  ) {}

  /**
   * True when this upsert was written; false when the document held this version or a newer one
   * already (a stale event, or after a failed bulk one that the bulk wrote: its effect is in place).
   */
  run(op: VersionedUpsert): Promise<boolean> {
    if (!this.batch) return upsertIfNewer(this.model, op);
    return new Promise<boolean>((resolve, reject) => {
      this.waiting.push({ op, resolve, reject });
      if (this.waiting.length === 1) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    const all = this.waiting;
    this.waiting = [];
    for (let i = 0; i < all.length; i += MAX_BATCH) void this.send(all.slice(i, i + MAX_BATCH));
  }

  private async send(batch: Waiting[]): Promise<void> {
    if (batch.length > 1) {
      try {
        const ops = batch.map(({ op }) => ({
          updateOne: { filter: versionFilter(op) as never, update: op.update, upsert: true },
        }));
        await this.model.bulkWrite(ops, { ordered: true });
        for (const w of batch) w.resolve(true);
        return;
      } catch (err) {
        if (!isWriteError(err)) {
          for (const w of batch) w.reject(err);
          return;
        }
        // Which upsert failed is not known for sure: each runs again on its own, below.
      }
    }
    await Promise.all(batch.map((w) => upsertIfNewer(this.model, w.op).then(w.resolve, w.reject)));
  }
}

function versionFilter({ _id, versionPath, version }: VersionedUpsert): Filter {
  return { _id, $or: [{ [versionPath]: { $lt: version } }, { [versionPath]: { $exists: false } }] };
}

/**
 * One versioned upsert on its own. Returns false when the event was stale. A stale event against
 * an existing document makes the upsert try an insert, which fails with a duplicate key; a race
 * between two first upserts does the same, so one retry tells them apart (the document surely
 * exists by then).
 */
async function upsertIfNewer<D>(model: Model<D>, op: VersionedUpsert): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    try {
      await model.updateOne(versionFilter(op) as never, op.update, { upsert: true });
      return true;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      if (attempt >= 2) return false;
    }
  }
}

/**
 * A failure of some of a bulk's writes, as opposed to no answer at all. The driver wraps a timeout
 * or a lost connection in a MongoBulkWriteError too, but with no write errors.
 */
function isWriteError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { writeErrors } = err as { writeErrors?: unknown };
  return (Array.isArray(writeErrors) && writeErrors.length > 0) || isDuplicateKey(err);
}

export function isDuplicateKey(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'code' in err && err.code === 11000;
}
