import { randomBytes } from 'node:crypto';
import { DecodeError } from './errors.js';
import type { Message, ReplyAddress } from './types.js';

/** A message as it sits in a stream: one field `m` holding this JSON. */
export interface Envelope {
  /** Unique message id: receivers drop ids they already committed. */
  readonly id: string;
  readonly type: string;
  readonly key: string;
  readonly data: unknown;
  readonly at: number;
  readonly replyTo: ReplyAddress | null;
}

interface Wire {
  i: string;
  t: string;
  k: string;
  d: unknown;
  a: number;
  r?: string;
  c?: string;
}

/** Random bytes drawn 4 KiB at a time: one randomBytes call per message was ~3% of the worker's CPU. */
const ID_BYTES = 12;
let pool = Buffer.alloc(0);
let poolAt = 0;

/** 96 random bits, base64url (16 characters), as before pooling. */
export function newMessageId(): string {
  if (poolAt + ID_BYTES > pool.length) {
    pool = randomBytes(ID_BYTES * 341);
    poolAt = 0;
  }
  const id = pool.toString('base64url', poolAt, poolAt + ID_BYTES);
  poolAt += ID_BYTES;
  return id;
}

export function envelope(
  key: string,
  msg: Message,
  now: number,
  replyTo: ReplyAddress | null = null,
): Envelope {
  return { id: newMessageId(), type: msg.type, key, data: msg.data, at: now, replyTo };
}

export function encode(e: Envelope): string {
  const w: Wire = { i: e.id, t: e.type, k: e.key, d: e.data, a: e.at };
  if (e.replyTo) {
    w.r = e.replyTo.stream;
    w.c = e.replyTo.corr;
  }
  return JSON.stringify(w);
}

/** Decode at the boundary, once: what does not parse is a DecodeError (dead-lettered). */
export function decode(raw: string): Envelope {
  let w: unknown;
  try {
    w = JSON.parse(raw);
  } catch (err) {
    throw new DecodeError('stream entry is not JSON', { cause: err });
  }
  if (typeof w !== 'object' || w === null) throw new DecodeError('stream entry is not an object');
  const o = w as Record<string, unknown>;
  if (
    typeof o.i !== 'string' ||
    typeof o.t !== 'string' ||
    typeof o.k !== 'string' ||
    typeof o.a !== 'number'
  ) {
    throw new DecodeError('stream entry lacks id, type, key or time');
  }
  const replyTo = typeof o.r === 'string' && typeof o.c === 'string' ? { stream: o.r, corr: o.c } : null;
  return { id: o.i, type: o.t, key: o.k, data: o.d, at: o.a, replyTo };
}

/** Stream entry fields as ioredis returns them: [name, value, name, value…]. */
export function fieldOf(fields: readonly string[], name: string): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}
