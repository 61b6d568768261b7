import { fieldOf } from './codec.js';
import { raw, type RedisClient } from './redis.js';

/** One outbox entry: where it goes and the encoded message. */
export interface OutboxItem {
  readonly id: string;
  readonly dest: string;
  readonly json: string;
}

/** Reply streams of edge processes are capped: a dead edge's replies must not pile up. */
const REPLY_STREAM_CAP = 10_000;

/**
 * Forward outbox entries to their destination streams, then delete them from the outbox. A crash
 * in between resends them; receivers drop message ids they already committed.
 */
export async function relay(redis: RedisClient, outbox: string, items: readonly OutboxItem[]): Promise<void> {
  if (items.length === 0) return;
  await Promise.all(
    items.map((it) =>
      it.dest.includes(':reply:')
        ? raw(redis, 'XADD', it.dest, 'MAXLEN', '~', REPLY_STREAM_CAP, '*', 'm', it.json)
        : raw(redis, 'XADD', it.dest, '*', 'm', it.json),
    ),
  );
  await raw(redis, 'XDEL', outbox, ...items.map((it) => it.id));
}

/** Relay everything an outbox holds (after a takeover, or after a failed relay). */
export async function relayAll(redis: RedisClient, outbox: string, pageSize = 500): Promise<number> {
  let total = 0;
  for (;;) {
    const reply = await raw(redis, 'XRANGE', outbox, '-', '+', 'COUNT', pageSize);
    const items: OutboxItem[] = [];
    if (Array.isArray(reply)) {
      for (const row of reply as unknown[]) {
        if (!Array.isArray(row) || !Array.isArray(row[1])) continue;
        const fields = (row[1] as unknown[]).map(String);
        const dest = fieldOf(fields, 'd');
        const json = fieldOf(fields, 'm');
        if (dest !== undefined && json !== undefined) items.push({ id: String(row[0]), dest, json });
      }
    }
    if (items.length === 0) return total;
    await relay(redis, outbox, items);
    total += items.length;
  }
}
