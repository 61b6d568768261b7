import type { DomainEvent, StoreOrderStatus } from '../../actors/events.js';
import {
  myPageChange,
  statusFields,
  storeBoardChange,
  type MyPageChange,
  type StoreBoardChange,
} from '../changes.js';
import { STORE_STATUSES, type Scored } from '../documents.js';
import { decodeCursor, encodeCursor, type CursorPosition } from '../cursor.js';
import type { CustomerMessage, MyPageItem, Page, ReadModels, StoreBoardItem } from '../port.js';
import { decodeBoardItem, decodeMessage, decodeMyPage } from './decode.js';
import { readModelKeys, type ReadModelKeys } from './keys.js';
import { hgetallMany, pageMembers } from './page.js';
import { Script } from '../../streams/scripts.js';
import type { RedisClient } from './script.js';

const lua = (name: string) => Script.fromFile(new URL(`./${name}.lua`, import.meta.url));
const applyMyPage = lua('apply-my-page-2');
const applyStoreBoard = lua('apply-store-board-6');
const addMessage = lua('add-message-2');

/**
 * The read models in Redis (the embedded default). Each write is one Lua script, so the version
 * check and the write are atomic even with several projector replicas. The client is borrowed:
 * `close()` leaves it open for its owner.
 */
export class RedisReadModels implements ReadModels {
  private readonly keys: ReadModelKeys;

  constructor(
    private readonly redis: RedisClient,
    prefix: string,
  ) {
    this.keys = readModelKeys(prefix);
  }

  async apply(event: DomainEvent): Promise<void> {
    const page = myPageChange(event);
    if (page) await this.applyMyPage(page);
    const board = storeBoardChange(event);
    if (board) await this.applyStoreBoard(board);
  }

  private async applyMyPage(c: MyPageChange): Promise<void> {
    const line = c.line
      ? [c.line.productId, c.line.quantity, c.line.amount, c.line.currency, c.line.createdAt]
      : ['', '', '', '', ''];
    const sets = statusFields(c.set).flat();
    await applyMyPage.run(
      this.redis,
      [this.keys.myPage(c.customerId, c.orderId), this.keys.myPages(c.customerId)],
      [
        c.source,
        c.version,
        c.at,
        c.orderId,
        c.customerId,
        c.label ?? '',
        c.line ? '1' : '0',
        ...line,
        ...sets,
      ],
    );
  }

  private async applyStoreBoard(c: StoreBoardChange): Promise<void> {
    const f = c.facts;
    await applyStoreBoard.run(
      this.redis,
      [
        this.keys.boardItem(c.orderId),
        this.keys.boardAll(),
        ...STORE_STATUSES.map((s) => this.keys.boardStatus(s)),
      ],
      [
        c.version,
        c.orderId,
        c.status,
        f ? '1' : '0',
        f?.productId ?? '',
        f?.quantity ?? '',
        f?.address ?? '',
        ...STORE_STATUSES,
        f?.receivedAt ?? '',
      ],
    );
  }

  async addMessage(message: CustomerMessage): Promise<boolean> {
    const createdAt = Date.parse(message.createdAt);
    if (!Number.isFinite(createdAt))
      throw new TypeError(`message ${message.messageId}: createdAt is not an ISO date`);
    const json = JSON.stringify({
      messageId: message.messageId,
      customerId: message.customerId,
      orderId: message.orderId,
      kind: message.kind,
      text: message.text,
      createdAt: message.createdAt,
    });
    const added = await addMessage.run(
      this.redis,
      [this.keys.message(message.customerId, message.messageId), this.keys.messages(message.customerId)],
      [json, createdAt, message.messageId],
    );
    return added === 1;
  }

  async myPage(customerId: string, orderId: string): Promise<MyPageItem | null> {
    const h = await this.redis.hgetall(this.keys.myPage(customerId, orderId));
    const doc = decodeMyPage(h);
    return doc && doc.item.customerId === customerId ? doc.item : null;
  }

  async myPages(customerId: string, limit: number, cursor: string | null): Promise<Page<MyPageItem>> {
    return this.page(this.keys.myPages(customerId), limit, decodeCursor(cursor), async (ids) =>
      (
        await hgetallMany(
          this.redis,
          ids.map((id) => this.keys.myPage(customerId, id)),
        )
      ).map(decodeMyPage),
    );
  }

  async storeBoard(
    status: StoreOrderStatus | null,
    limit: number,
    cursor: string | null,
  ): Promise<Page<StoreBoardItem>> {
    const index = status === null ? this.keys.boardAll() : this.keys.boardStatus(status);
    return this.page(index, limit, decodeCursor(cursor), async (ids) =>
      (
        await hgetallMany(
          this.redis,
          ids.map((id) => this.keys.boardItem(id)),
        )
      ).map(decodeBoardItem),
    );
  }

  async messages(customerId: string, limit: number, cursor: string | null): Promise<Page<CustomerMessage>> {
    return this.page(this.keys.messages(customerId), limit, decodeCursor(cursor), async (ids) => {
      const values = await this.redis.mget(...ids.map((id) => this.keys.message(customerId, id)));
      return values.map(decodeMessage);
    });
  }

  connected(): boolean {
    return this.redis.status === 'ready';
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  /** The client belongs to the caller; nothing to release here. */
  close(): Promise<void> {
    return Promise.resolve();
  }

  /**
   * One page from an index. The cursor is built from the last index member returned, even when
   * its document could not be read, so a hole never stalls paging.
   */
  private async page<T>(
    index: string,
    limit: number,
    after: CursorPosition | null,
    load: (ids: readonly string[]) => Promise<(Scored<T> | null)[]>,
  ): Promise<Page<T>> {
    const { members, more } = await pageMembers(this.redis, index, limit, after);
    if (members.length === 0) return { items: [], next: null };
    const docs = await load(members);
    const items = docs.flatMap((d) => (d ? [d.item] : []));
    const lastId = members[members.length - 1]!;
    const last = docs[docs.length - 1];
    if (!more) return { items, next: null };
    const score = last ? last.score : await this.redis.zscore(index, lastId);
    // Gone between the two reads: nothing to anchor the next page on, so this page is the last.
    if (score === null) return { items, next: null };
    return { items, next: encodeCursor({ score: Number(score), id: lastId }) };
  }
}
