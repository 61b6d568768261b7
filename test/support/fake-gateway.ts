/**
 * A stand-in notification gateway: a real HTTP server on a free loopback port that records every
 * POST (body and Idempotency-Key) and can be made to fail (503, or any status) for a while.
 * Stopped when the run ends (or earlier with `stop()`).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { onRunEnd } from './hooks.js';

export interface ReceivedPost {
  readonly path: string;
  readonly body: unknown;
  readonly idempotencyKey: string | undefined;
  /** What the fake answered. */
  readonly status: number;
}

export interface FakeGateway {
  readonly port: number;
  /** Use as `NOTIFY_URL`. */
  readonly url: string;
  /** Every POST, failed ones included, in arrival order. */
  received(): readonly ReceivedPost[];
  /** The POSTs answered 2xx. */
  delivered(): readonly ReceivedPost[];
  /** Answer `status` (default 503) to every POST until set back. */
  setDown(down: boolean, status?: number): void;
  /** Answer `status` (default 503) to the next `count` POSTs, then recover. */
  failNext(count: number, status?: number): void;
  stop(): Promise<void>;
}

export async function startFakeGateway(): Promise<FakeGateway> {
  const posts: ReceivedPost[] = [];
  let down: number | null = null;
  let failures: { count: number; status: number } = { count: 0, status: 503 };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
      } catch {
        body = undefined;
      }
      let status = 202;
      if (req.method !== 'POST') status = 405;
      else if (down !== null) status = down;
      else if (failures.count > 0) {
        failures = { ...failures, count: failures.count - 1 };
        status = failures.status;
      }
      const key = req.headers['idempotency-key'];
      posts.push({
        path: req.url ?? '/',
        body,
        idempotencyKey: typeof key === 'string' ? key : undefined,
        status,
      });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(status < 300 ? { accepted: true } : { error: 'gateway failing' }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  };
  onRunEnd(stop);

  return {
    port,
    url: `http://127.0.0.1:${port}/notify`,
    received: () => [...posts],
    delivered: () => posts.filter((p) => p.status >= 200 && p.status < 300),
    setDown(isDown: boolean, status = 503): void {
      down = isDown ? status : null;
    },
    failNext(count: number, status = 503): void {
      failures = { count, status };
    },
    stop,
  };
}
