import { createConnection, STATES, type Connection, type Model } from 'mongoose';
import type { DomainEvent, StoreOrderStatus } from '../../actors/events.js';
import {
  myPageChange,
  statusFields,
  storeBoardChange,
  type MyPageChange,
  type MyPageLine,
  type StoreBoardChange,
} from '../changes.js';
import { decodeCursor, encodeCursor, type CursorPosition } from '../cursor.js';
import type { Scored } from '../documents.js';
import type { CustomerMessage, MyPageItem, Page, ReadModels, StoreBoardItem } from '../port.js';
import { BulkUpserts, isDuplicateKey } from './bulk-upserts.js';
import { decodeBoardItem, decodeMessage, decodeMyPage, type Raw } from './decode.js';
import { KeyedLock } from './keyed-lock.js';
import { bindModels, type MyPageDoc, type ReadModelCollections, type StoreBoardDoc } from './schemas.js';

type Filter = Record<string, unknown>;

/**
 * The read models in MongoDB (MONGO_URL) through mongoose, on its own connection. Writes are
 * single-document upserts filtered on the per-source version, so a stale or repeated event
 * matches nothing; queries are keyset pages over compound indexes. Runs the same on MongoDB
 * and FerretDB 1.x (no TTL indexes, `$lookup` or aggregation).
 */
/** A read or a write waiting longer than this on its socket fails (the edge answers 503). */
const SOCKET_TIMEOUT_MS = 5_000;

export class MongoReadModels implements ReadModels {
  /** Writes to one document run one at a time in this process (see KeyedLock for why). */
  private readonly lock = new KeyedLock();
  /** The upserts of one turn, one bulk per collection (see BulkUpserts). */
  private readonly myPageUpserts: BulkUpserts<MyPageDoc>;
  private readonly boardUpserts: BulkUpserts<StoreBoardDoc>;

  private constructor(
    private readonly conn: Connection,
    private readonly m: ReadModelCollections,
    batchWrites: boolean,
  ) {
    this.myPageUpserts = new BulkUpserts(m.myPages, batchWrites);
    this.boardUpserts = new BulkUpserts(m.storeBoard, batchWrites);
  }

  /**
   * Connects (fails after `serverSelectionTimeoutMS` when nothing answers) and builds the indexes.
   * `batchWrites` false: every upsert on its own (for the benchmark's comparison).
   */
  static async connect(
    url: string,
    { serverSelectionTimeoutMS = 5_000, batchWrites = true } = {},
  ): Promise<MongoReadModels> {
    // No command buffering: while Mongo is away, reads fail at once (readiness goes 503) instead of
    // queueing. A server that stops answering (frozen, a cut network) fails an operation after
    // `socketTimeoutMS`, not after the driver's heartbeat gives up on it (≈ 45 s).
    const conn = createConnection(url, {
      bufferCommands: false,
      autoIndex: false,
      autoCreate: false,
      serverSelectionTimeoutMS,
      socketTimeoutMS: SOCKET_TIMEOUT_MS,
    });
    try {
      await conn.asPromise();
      return new MongoReadModels(conn, await bindModels(conn), batchWrites);
    } catch (err) {
      await conn.close().catch(() => undefined);
      throw err;
    }
  }

  async apply(event: DomainEvent): Promise<void> {
    const page = myPageChange(event);
    if (page) await this.lock.run(`mypage:${page.orderId}`, () => this.applyMyPage(page));
    const board = storeBoardChange(event);
    if (board) await this.lock.run(`board:${board.orderId}`, () => this.applyStoreBoard(board));
  }

  private async applyMyPage(c: MyPageChange): Promise<void> {
    const set: Filter = { customerId: c.customerId, [`v.${c.source}`]: c.version };
    for (const [field, value] of statusFields(c.set)) set[field] = value;
    if (c.line) Object.assign(set, lineFields(c.line));
    const update: Filter = { $set: set, $max: { updatedAt: new Date(c.at) } };
    // `$min` keeps the earliest time a label was reached, so a replay adds nothing.
    if (c.label !== null) update.$min = { [`history.${c.label}`]: new Date(c.at) };
    const applied = await this.myPageUpserts.run({
      _id: c.orderId,
      versionPath: `v.${c.source}`,
      version: c.version,
      update,
    });
    if (!applied && c.line) {
      // The order line is a fact: fill it into a partial document even from a stale event.
      await this.m.myPages.updateOne(
        { _id: c.orderId, createdAt: { $exists: false } },
        { $set: lineFields(c.line) },
      );
    }
  }

  private async applyStoreBoard(c: StoreBoardChange): Promise<void> {
    const set: Filter = { status: c.status, 'v.store': c.version };
    const facts = c.facts && {
      productId: c.facts.productId,
      quantity: c.facts.quantity,
      address: c.facts.address,
      receivedAt: new Date(c.facts.receivedAt),
    };
    if (facts) Object.assign(set, facts);
    const applied = await this.boardUpserts.run({
      _id: c.orderId,
      versionPath: 'v.store',
      version: c.version,
      update: { $set: set },
    });
    if (!applied && facts) {
      await this.m.storeBoard.updateOne({ _id: c.orderId, receivedAt: { $exists: false } }, { $set: facts });
    }
  }

  async addMessage(message: CustomerMessage): Promise<boolean> {
    const createdAt = new Date(message.createdAt);
    if (Number.isNaN(createdAt.getTime()))
      throw new TypeError(`message ${message.messageId}: createdAt is not an ISO date`);
    try {
      await this.m.messages.create({
        _id: message.messageId,
        customerId: message.customerId,
        orderId: message.orderId,
        kind: message.kind,
        text: message.text,
        createdAt,
      });
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  }

  async myPage(customerId: string, orderId: string): Promise<MyPageItem | null> {
    const doc = await this.m.myPages.findOne({ _id: orderId, customerId }).lean<Raw>();
    return decodeMyPage(doc)?.item ?? null;
  }

  async myPages(customerId: string, limit: number, cursor: string | null): Promise<Page<MyPageItem>> {
    const after = afterFilter('createdAt', decodeCursor(cursor));
    return this.page(this.m.myPages, { customerId, ...after }, 'createdAt', limit, decodeMyPage);
  }

  async storeBoard(
    status: StoreOrderStatus | null,
    limit: number,
    cursor: string | null,
  ): Promise<Page<StoreBoardItem>> {
    const after = afterFilter('receivedAt', decodeCursor(cursor));
    return this.page(
      this.m.storeBoard,
      status === null ? after : { status, ...after },
      'receivedAt',
      limit,
      decodeBoardItem,
    );
  }

  async messages(customerId: string, limit: number, cursor: string | null): Promise<Page<CustomerMessage>> {
    const after = afterFilter('createdAt', decodeCursor(cursor));
    return this.page(this.m.messages, { customerId, ...after }, 'createdAt', limit, decodeMessage);
  }

  connected(): boolean {
    return this.conn.readyState === STATES.connected;
  }

  async ping(): Promise<void> {
    const db = this.conn.db;
    if (!db) throw new Error('mongo read models: not connected');
    await db.command({ ping: 1 });
  }

  async close(): Promise<void> {
    await this.conn.close();
  }

  private async page<D, T>(
    model: Model<D>,
    filter: Filter,
    sortField: string,
    limit: number,
    decode: (d: Raw) => Scored<T> | null,
  ): Promise<Page<T>> {
    const docs = await model
      .find(filter)
      .sort({ [sortField]: -1, _id: -1 })
      .limit(limit + 1)
      .lean<Raw[]>();
    const scored = docs.slice(0, limit).flatMap((d) => {
      const s = decode(d);
      return s ? [{ s, id: String(d._id) }] : [];
    });
    const last = scored[scored.length - 1];
    const next = docs.length > limit && last ? encodeCursor({ score: last.s.score, id: last.id }) : null;
    return { items: scored.map((x) => x.s.item), next };
  }
}

function lineFields(line: MyPageLine): Filter {
  return {
    productId: line.productId,
    quantity: line.quantity,
    amount: line.amount,
    currency: line.currency,
    createdAt: new Date(line.createdAt),
  };
}

/**
 * Items strictly after the cursor in (sortField desc, _id desc) order. The first page asks for
 * the sort field to exist, which hides partial documents; `$lt` does the same on later pages.
 */
function afterFilter(sortField: string, after: CursorPosition | null): Filter {
  if (after === null) return { [sortField]: { $exists: true } };
  const at = new Date(after.score);
  return { $or: [{ [sortField]: { $lt: at } }, { [sortField]: at, _id: { $lt: after.id } }] };
}
