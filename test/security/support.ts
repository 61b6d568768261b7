/**
 * Harness of the security tests: the real store (app/ `startStore`) in this process on the run's
 * shared redis-server under its own key prefix, a client that speaks raw HTTP when fetch would
 * refuse to send what an attacker sends (CR/LF in headers, lying lengths), and the usual order
 * flow helpers.
 */
import { connect } from 'node:net';
import pino from 'pino';
import { startStore, type RunningStore } from '../../app/compose.js';
import { loadConfig } from '../../config/index.js';
import { sharedRedis, uniquePrefix } from '../support/hooks.js';
import { freePort, waitFor } from '../support/processes.js';
import { storeEnv, StoreClient } from '../support/store-process.js';

/** A caller as the dev token issuer knows it. */
export interface Caller {
  readonly sub: string;
  readonly role: string;
}

export const customer = (sub: string): Caller => ({ sub, role: 'customer' });
export const staff: Caller = { sub: 'staff-1', role: 'staff' };
export const courier: Caller = { sub: 'courier-1', role: 'courier' };
export const admin: Caller = { sub: 'admin-1', role: 'admin' };

/** A valid order body; `over` replaces fields. */
export function orderBody(over: Record<string, unknown> = {}): Record<string, unknown> {
  return { productId: 'wm-100', quantity: 1, paymentToken: 'tok_visa', address: '1 Main Street', ...over };
}

export interface SecureStore {
  readonly url: string;
  readonly port: number;
  readonly prefix: string;
  readonly client: StoreClient;
  stop(): Promise<void>;
}

/**
 * Start the store in this process (`env` adds to or overrides the test defaults: 4 shards,
 * dev auth, a huge rate limit). Logs go nowhere: the log test runs real processes instead.
 */
export async function startSecureStore(env: Record<string, string> = {}): Promise<SecureStore> {
  const prefix = uniquePrefix();
  const port = await freePort();
  const config = loadConfig({
    ...storeEnv((await sharedRedis()).url, prefix),
    PORT: String(port),
    COURIERS: 'courier-1',
    ...env,
  });
  const running: RunningStore = await startStore(config, pino({ level: 'silent' }));
  const url = `http://127.0.0.1:${running.port}`;
  await waitFor(async () => (await fetch(`${url}/readyz`)).status === 200, {
    timeoutMs: 20_000,
    what: 'the store to be ready',
  });
  return { url, port: running.port, prefix, client: new StoreClient(url), stop: () => running.stop() };
}

/** What came back over a raw socket. */
export interface RawResponse {
  readonly status: number;
  /** Header names in lower case; repeated headers joined with ", ". */
  readonly headers: Readonly<Record<string, string>>;
  readonly head: string;
  readonly body: string;
}

/**
 * Send `request` byte for byte over TCP and read the answer until the server closes the
 * connection (so send `Connection: close`). For what fetch and node:http refuse to put on the wire.
 */
export function rawRequest(port: number, request: string | Buffer, timeoutMs = 10_000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete answer within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      const head = split < 0 ? text : text.slice(0, split);
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        if (colon < 0) continue;
        const name = line.slice(0, colon).trim().toLowerCase();
        const value = line.slice(colon + 1).trim();
        headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
      }
      resolve({
        status: Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine)?.[1] ?? 0),
        headers,
        head,
        body: split < 0 ? '' : text.slice(split + 4),
      });
    });
    // Not end(): a half-closed socket may be dropped before the (async) answer is written.
    socket.write(request);
  });
}

/** Place an order as `sub` and expect it to be taken. */
export async function placeOrder(
  client: StoreClient,
  sub: string,
  over: Record<string, unknown> = {},
): Promise<string> {
  const res = await client.call<{ orderId: string }>('POST', '/orders', customer(sub), orderBody(over));
  if (res.status !== 201)
    throw new Error(`placing an order answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body.orderId;
}

/** An order of `sub` that staff accepted and packed, so its delivery has started. */
export async function orderInDelivery(client: StoreClient, sub: string): Promise<string> {
  const orderId = await placeOrder(client, sub);
  // The store order is received asynchronously (OrderPlaced → store actor): retry until it is.
  for (const step of ['accept', 'pack']) {
    await waitFor(
      async () => (await client.call('POST', `/ordermanagements/${orderId}/${step}`, staff)).status === 202,
      { timeoutMs: 20_000, intervalMs: 50, what: `staff to ${step} ${orderId}` },
    );
  }
  await waitFor(
    async () => {
      const d = await client.call<{ status?: string }>('GET', `/deliveries/${orderId}`, admin);
      return d.status === 200 && d.body.status === 'Started';
    },
    { timeoutMs: 20_000, intervalMs: 50, what: `the delivery of ${orderId} to start` },
  );
  return orderId;
}
