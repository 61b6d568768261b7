/**
 * The edge's HTTP server. Node answers the requests its parser refuses (a header section over
 * 16 KiB: 431; a malformed request line, header or framing: 400; an `Expect` it does not know:
 * 417) itself, before Koa sees them, with bare bodies. Here they are problem+json with an
 * X-Request-Id like every other error; a client that asks `Expect: 100-continue` for a body over
 * 64 KiB is told 413 at once, before it sends it. Refusals are logged by code only: the parser's
 * error carries the request's raw bytes (`rawPacket`), bearer token and payment token included.
 */
import { randomUUID } from 'node:crypto';
import {
  createServer,
  STATUS_CODES,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { BODY_LIMIT_BYTES } from './body.js';
import { PROBLEM_CONTENT_TYPE, problemType } from './problem.js';

type ClientError = Error & { readonly code?: string };

/** The status Node itself would answer a refused request with. */
function statusOf(err: ClientError): number {
  if (err.code === 'HPE_HEADER_OVERFLOW') return 431;
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') return 408;
  return 400;
}

/** A problem answered outside Koa, on a request Node has parsed. */
function answer(res: ServerResponse, status: number, detail: string, logger: Logger): void {
  const requestId = randomUUID();
  const body = problemBody(status, detail);
  res.writeHead(status, {
    'Content-Type': PROBLEM_CONTENT_TYPE,
    'Content-Length': Buffer.byteLength(body),
    'X-Request-Id': requestId,
    Connection: 'close',
  });
  res.end(body);
  logger.info({ reqId: requestId, status }, 'request refused');
}

function problemBody(status: number, detail: string): string {
  const title = STATUS_CODES[status] ?? 'Bad Request';
  return JSON.stringify({ type: problemType('validation'), title, status, detail, code: 'validation' });
}

const DETAIL: Readonly<Record<number, string>> = {
  400: 'the request is not valid HTTP/1.1',
  408: 'the request did not arrive in time',
  417: 'the Expect header can only be 100-continue',
  431: 'the request line and headers must be at most 16 KiB',
};

export function createEdgeServer(handle: RequestListener, logger: Logger): Server {
  const server = createServer(handle);
  server.on(
    'clientError',
    (err: ClientError, socket: Duplex & { _httpMessage?: { headersSent?: boolean } }) => {
      // Node's own rule: nothing can be written on a reset socket, or in the middle of a response.
      if (err.code === 'ECONNRESET' || !socket.writable || socket._httpMessage?.headersSent) {
        socket.destroy();
        return;
      }
      const status = statusOf(err);
      const requestId = randomUUID();
      const body = problemBody(status, DETAIL[status] ?? DETAIL[400]!);
      socket.end(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
          `Content-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
          `X-Request-Id: ${requestId}\r\nConnection: close\r\n\r\n${body}`,
      );
      logger.info({ reqId: requestId, status, code: err.code }, 'request refused by the HTTP parser');
    },
  );
  server.on('checkExpectation', (_req, res) => answer(res, 417, DETAIL[417]!, logger));
  server.on('checkContinue', (req, res) => {
    if (Number(req.headers['content-length']) > BODY_LIMIT_BYTES) {
      answer(res, 413, 'the body must be at most 64 KiB', logger);
      return;
    }
    res.writeContinue();
    handle(req, res);
  });
  return server;
}
