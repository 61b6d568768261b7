/**
 * The payment simulator as a real HTTP server implementing API.md's provider API
 * (`POST /charges`, `POST /refunds`), for tests and the benchmark ("a fast local HTTP server").
 * Operators of a demo flip it with `POST /_control { mode: 'up'|'down'|'hang'|'slow', latencyMs }`
 * and read what it saw with `GET /_stats`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';
import { PaymentLedger, type LedgerRefusal, type LedgerSnapshot } from './ledger.js';

/** `up` answers at once; `down` answers 503; `hang` never answers; `slow` answers after latencyMs. */
export type PspMode = 'up' | 'down' | 'hang' | 'slow';

export interface PspStats extends LedgerSnapshot {
  readonly mode: PspMode;
  readonly latencyMs: number;
  /** Requests that arrived, whatever the mode (a closed circuit shows here, an open one does not). */
  readonly received: { readonly charges: number; readonly refunds: number };
}

export interface PspServer {
  readonly port: number;
  /** `http://127.0.0.1:<port>`: use as `PSP_URL`. */
  readonly url: string;
  setMode(mode: PspMode, latencyMs?: number): void;
  stats(): PspStats;
  /** Stop listening and drop every connection, hung ones included. */
  close(): Promise<void>;
}

const ChargeBody = z.strictObject({
  idempotencyKey: z.string().min(1),
  amount: z.number().int().positive(),
  currency: z.string().min(1),
  token: z.string().min(1),
});
const RefundBody = z.strictObject({
  idempotencyKey: z.string().min(1),
  chargeId: z.string().min(1),
  amount: z.number().int().positive(),
});
const ControlBody = z.strictObject({
  mode: z.enum(['up', 'down', 'hang', 'slow']),
  latencyMs: z.number().int().min(0).max(600_000).optional(),
});

const MAX_BODY_BYTES = 64 * 1024;

async function readJson(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
  res.end(payload);
}

function refusalStatus(r: LedgerRefusal): number {
  return r.code === 'unknown-charge' ? 404 : 422;
}

/** Start the simulator server on `port` (0 or unset: any free port) on loopback. */
export async function startPspServer({
  port = 0,
  host = '127.0.0.1',
}: { port?: number; host?: string } = {}): Promise<PspServer> {
  const ledger = new PaymentLedger();
  let mode: PspMode = 'up';
  let latencyMs = 0;
  const received = { charges: 0, refunds: 0 };

  async function provider(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    path: '/charges' | '/refunds',
  ): Promise<void> {
    if (path === '/charges') received.charges += 1;
    else received.refunds += 1;
    const body = await readJson(req);
    switch (mode) {
      case 'down':
        return send(res, 503, { error: 'payment provider is down' });
      case 'hang':
        return; // never answer: the client's timeout is what is under test
      case 'slow':
        await delay(latencyMs);
        break;
      case 'up':
        break;
      default: {
        const never: never = mode;
        throw new Error(`unknown mode ${String(never)}`);
      }
    }
    if (path === '/charges') {
      const parsed = ChargeBody.safeParse(body);
      if (!parsed.success)
        return send(res, 400, { error: 'bad charge request', issues: parsed.error.issues });
      const r = ledger.charge(parsed.data);
      return r.ok
        ? send(res, 201, { chargeId: r.chargeId, status: r.status })
        : send(res, refusalStatus(r), r);
    }
    const parsed = RefundBody.safeParse(body);
    if (!parsed.success) return send(res, 400, { error: 'bad refund request', issues: parsed.error.issues });
    const r = ledger.refund(parsed.data);
    return r.ok ? send(res, 201, { refundId: r.refundId, status: r.status }) : send(res, refusalStatus(r), r);
  }

  const stats = (): PspStats => ({ ...ledger.snapshot(), mode, latencyMs, received: { ...received } });
  const setMode = (next: PspMode, nextLatencyMs = 0): void => {
    mode = next;
    latencyMs = nextLatencyMs;
  };

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://psp').pathname;
    if (req.method === 'POST' && (path === '/charges' || path === '/refunds'))
      return provider(req, res, path);
    if (req.method === 'GET' && path === '/_stats') return send(res, 200, stats());
    if (req.method === 'POST' && path === '/_control') {
      const parsed = ControlBody.safeParse(await readJson(req));
      if (!parsed.success)
        return send(res, 400, { error: 'bad control request', issues: parsed.error.issues });
      setMode(parsed.data.mode, parsed.data.latencyMs);
      return send(res, 200, { mode, latencyMs });
    }
    send(res, 404, { error: `no route ${req.method ?? ''} ${path}` });
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, { error: String(err) });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    port: actual,
    url: `http://${host}:${actual}`,
    setMode,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
