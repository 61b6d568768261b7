/**
 * The payment simulator server (outbound/payment/psp-server.ts) started for a test on a free
 * loopback port, driven through its own HTTP control endpoints so those are exercised too.
 * Stopped when the run ends (or earlier with `stop()`).
 */
import {
  startPspServer,
  type PspMode,
  type PspServer,
  type PspStats,
} from '../../outbound/payment/psp-server.js';
import { onRunEnd } from './hooks.js';

export interface FakePsp {
  readonly port: number;
  /** Use as `PSP_URL` / `baseUrl`. */
  readonly url: string;
  /** Everything the server saw: arrivals per endpoint, and the books by idempotency key. */
  stats(): Promise<PspStats>;
  /** Requests that reached `/charges` (whatever the mode). */
  chargeRequests(): Promise<number>;
  /** Requests that reached `/refunds` (whatever the mode). */
  refundRequests(): Promise<number>;
  setMode(mode: PspMode, latencyMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startFakePsp(): Promise<FakePsp> {
  const server: PspServer = await startPspServer({ port: 0 });
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await server.close();
  };
  onRunEnd(stop);

  const stats = async (): Promise<PspStats> => {
    const res = await fetch(`${server.url}/_stats`);
    if (res.status !== 200) throw new Error(`GET /_stats answered ${res.status}`);
    // The same process built this body from the PspStats type: no decoding beyond the status.
    return (await res.json()) as PspStats;
  };

  return {
    port: server.port,
    url: server.url,
    stats,
    chargeRequests: async () => (await stats()).received.charges,
    refundRequests: async () => (await stats()).received.refunds,
    async setMode(mode: PspMode, latencyMs?: number): Promise<void> {
      const res = await fetch(`${server.url}/_control`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(latencyMs === undefined ? { mode } : { mode, latencyMs }),
      });
      if (res.status !== 200) throw new Error(`POST /_control answered ${res.status}: ${await res.text()}`);
    },
    stop,
  };
}
