/**
 * The request body, read by the route once the caller may make the call (after the token, the
 * role and the rate limit): neither an anonymous caller nor one over its rate limit makes the
 * edge read and parse a body. JSON up to 64 KiB (API.md: over it is a 413, whatever the type and
 * with or without Content-Length); a body of another type is counted up to the limit and dropped,
 * and the route refuses it (400) unless it was too large (413).
 */
import type { IncomingMessage } from 'node:http';
import type { Context } from 'koa';
import bodyParser from 'koa-bodyparser';
import { PayloadTooLargeError } from './errors.js';

/** Largest body accepted. */
export const BODY_LIMIT_BYTES = 64 * 1024;
export const JSON_LIMIT = `${BODY_LIMIT_BYTES / 1024}kb`;

const parseJson = bodyParser({ enableTypes: ['json'], jsonLimit: JSON_LIMIT, strict: true });

function tooLarge(ctx: Context): PayloadTooLargeError {
  // The rest of the body is not read: the connection is closed after the answer.
  ctx.set('Connection', 'close');
  return new PayloadTooLargeError('the body must be at most 64 KiB');
}

function hasBody(req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length']) > 0;
}

/** Reads and drops a body, up to `limit` bytes: true when it is longer. */
function longerThan(req: IncomingMessage, limit: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    let bytes = 0;
    const done = (err: Error | null, over: boolean) => {
      req.off('data', onData).off('end', onEnd).off('error', onError);
      if (over) req.pause();
      if (err) reject(err);
      else resolve(over);
    };
    const onData = (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > limit) done(null, true);
    };
    const onEnd = () => done(null, false);
    const onError = (err: Error) => done(err, false);
    req.on('data', onData).on('end', onEnd).on('error', onError);
  });
}

/** Sets `ctx.request.body` (a JSON body parsed; `{}` for none or another type). */
export async function readBody(ctx: Context): Promise<void> {
  if (Number(ctx.get('Content-Length')) > BODY_LIMIT_BYTES) throw tooLarge(ctx);
  await parseJson(ctx, () => Promise.resolve());
  if (ctx.request.rawBody === undefined && hasBody(ctx.req) && !ctx.req.readableEnded) {
    if (await longerThan(ctx.req, BODY_LIMIT_BYTES)) throw tooLarge(ctx);
  }
}
