import { raw, type RedisClient } from './redis.js';

/** A stream entry as a consumer reads it: the runtime's one field `m`, or null when deleted. */
export interface Entry {
  readonly id: string;
  readonly payload: string | null;
}

/**
 * The entries of a one-stream XREAD/XREADGROUP reply. RESP says [[stream, entries]]; ioredis 6
 * hands back [stream, entries] for a single stream: accept both.
 */
export function streamEntries(reply: unknown): unknown[] {
  if (!Array.isArray(reply) || reply.length === 0) return [];
  const stream: unknown = typeof reply[0] === 'string' ? reply : reply[0];
  if (!Array.isArray(stream) || !Array.isArray(stream[1])) return [];
  return stream[1] as unknown[];
}

/**
 * The streams that have entries in a multi-stream XREAD reply: ioredis 6 hands back
 * [stream, entries, stream, entries, …], RESP2 [[stream, entries], …]: accept both.
 */
export function streamsWithEntries(reply: unknown): string[] {
  if (!Array.isArray(reply)) return [];
  const flat = typeof reply[0] === 'string' ? reply : (reply as unknown[][]).flat(1);
  const names: string[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) names.push(String(flat[i]));
  return names;
}

/** A fenced take: the entries to handle, and the id of the last entry it read (null: none). */
export interface Take {
  readonly entries: Entry[];
  /** The last of `entries`, or an entry after them that the group ignores (acknowledged unread). */
  readonly readTo: string | null;
}

/**
 * The fenced read's flat reply (`lua/read-2.lua`): id, payload (null when absent), id, payload…,
 * and, when its length is odd, the id of the last entry read (an ignored one) at the end.
 */
export function parseFlatRead(reply: readonly unknown[]): Take {
  const entries: Entry[] = [];
  for (let i = 0; i + 1 < reply.length; i += 2) {
    const payload = reply[i + 1];
    entries.push({ id: String(reply[i]), payload: typeof payload === 'string' ? payload : null });
  }
  const readTo = reply.length % 2 === 1 ? String(reply[reply.length - 1]) : (entries.at(-1)?.id ?? null);
  return { entries, readTo };
}

export function parseRead(reply: unknown): Entry[] {
  return parseEntries(streamEntries(reply));
}

/** Entries as XRANGE lists them, and as a read reply holds them per stream: [[id, fields], …]. */
export function parseEntries(items: readonly unknown[]): Entry[] {
  const out: Entry[] = [];
  for (const item of items) {
    if (!Array.isArray(item)) continue;
    const id = String(item[0]);
    const fields: unknown = item[1];
    let payload: string | null = null;
    if (Array.isArray(fields)) {
      for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === 'm') payload = String(fields[i + 1]);
    }
    out.push({ id, payload });
  }
  return out;
}

/** The rows of an extended XPENDING reply ([id, consumer, idle ms, deliveries], …): id and deliveries. */
export function parsePending(reply: unknown): { id: string; deliveries: number }[] {
  const out: { id: string; deliveries: number }[] = [];
  if (!Array.isArray(reply)) return out;
  for (const row of reply as unknown[]) {
    if (Array.isArray(row)) out.push({ id: String(row[0]), deliveries: Number(row[3]) });
  }
  return out;
}

export async function ensureGroup(redis: RedisClient, stream: string, group: string): Promise<void> {
  try {
    await raw(redis, 'XGROUP', 'CREATE', stream, group, '0', 'MKSTREAM');
  } catch (err) {
    if (!(err instanceof Error && err.message.includes('BUSYGROUP'))) throw err;
  }
}

export function describe(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}

export function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
