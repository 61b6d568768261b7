/**
 * Opaque keyset cursors: base64url of the last item's (score, id). A page continues with items
 * strictly after that pair in (score desc, id desc) order, so inserts of newer items never shift
 * or repeat what a reader has already seen.
 */

/** A cursor that was not made by this module (tampered, truncated): the edge answers 400 `validation`. */
export class InvalidCursorError extends Error {
  override readonly name = 'InvalidCursorError';
  readonly code = 'validation';
  /** Safe to show to the client (Koa's `expose`). */
  readonly expose = true;
  constructor(cause?: unknown) {
    super('invalid cursor: pass back the `next` value of the previous page unchanged', { cause });
  }
}

export interface CursorPosition {
  readonly score: number;
  readonly id: string;
}

export function encodeCursor(pos: CursorPosition): string {
  return Buffer.from(JSON.stringify([pos.score, pos.id]), 'utf8').toString('base64url');
}

/** The largest time a JavaScript Date (and so a Mongo date) holds, in ms from the epoch. */
const MAX_DATE_MS = 8.64e15;

/** Decodes a cursor; null stays null (first page). Throws InvalidCursorError for anything else. */
export function decodeCursor(cursor: string | null): CursorPosition | null {
  if (cursor === null) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch (err) {
    throw new InvalidCursorError(err);
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 2 ||
    typeof parsed[0] !== 'number' ||
    !Number.isFinite(parsed[0]) ||
    // Scores are times (ms since the epoch): beyond what a Date holds is not one of ours.
    Math.abs(parsed[0]) > MAX_DATE_MS ||
    typeof parsed[1] !== 'string'
  ) {
    throw new InvalidCursorError();
  }
  return { score: parsed[0], id: parsed[1] };
}
