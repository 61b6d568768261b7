import { sharedRedis, uniquePrefix } from '../support/hooks.js';
import { startFakeGateway, type FakeGateway } from '../support/fake-gateway.js';
import { startFakePsp, type FakePsp } from '../support/fake-psp.js';
import { waitFor } from '../support/processes.js';
import { startStoreProcess, storeEnv, StoreClient, type StoreProcess } from '../support/store-process.js';

export const ROLES = ['edge', 'order', 'payment', 'store', 'delivery', 'projector', 'notifier'] as const;

export const customer = (sub: string) => ({ sub, role: 'customer' });
export const staff = { sub: 'staff-1', role: 'staff' };
export const courier = { sub: 'courier-1', role: 'courier' };
export const admin = { sub: 'admin-1', role: 'admin' };

export interface OrderBody {
  orderId: string;
  status: string;
}

/** A store with each role in its own process, a real PSP and notification gateway over HTTP. */
export class SplitStore {
  readonly procs = new Map<string, StoreProcess>();
  client!: StoreClient;
  psp!: FakePsp;
  gateway!: FakeGateway;
  env!: Record<string, string>;

  static async start(extra: Record<string, string> = {}): Promise<SplitStore> {
    const s = new SplitStore();
    s.psp = await startFakePsp();
    s.gateway = await startFakeGateway();
    s.env = storeEnv((await sharedRedis()).url, uniquePrefix(), {
      PSP_URL: s.psp.url,
      NOTIFY_URL: s.gateway.url,
      COURIERS: 'courier-1',
      ...extra,
    });
    await Promise.all(ROLES.map((r) => s.startRole(r)));
    s.client = new StoreClient(s.procs.get('edge')!.url);
    return s;
  }

  async startRole(role: string): Promise<StoreProcess> {
    const p = await startStoreProcess({ roles: role, env: this.env });
    this.procs.set(role, p);
    return p;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.procs.values()].map((p) => p.stop('SIGTERM')));
  }

  async place(
    sub: string,
    body: Partial<Record<string, unknown>> = {},
    headers: Record<string, string> = {},
  ) {
    return this.client.call<OrderBody & Record<string, unknown>>(
      'POST',
      '/orders',
      customer(sub),
      { productId: 'wm-100', quantity: 1, paymentToken: 'tok_visa', address: '1 Main Street', ...body },
      headers,
    );
  }

  /** Poll an API read until `pick` says it shows what we wait for. */
  async until<T>(
    path: string,
    as: { sub: string; role: string },
    pick: (body: T, status: number) => boolean,
    what: string,
  ): Promise<T> {
    return waitFor(
      async () => {
        const r = await this.client.call<T>('GET', path, as);
        return pick(r.body, r.status) ? r.body : null;
      },
      { timeoutMs: 20_000, intervalMs: 50, what },
    );
  }
}
