/**
 * Continuous load for the ops tests: several customers each placing orders and driving every
 * order through its lifecycle (accept, pack, deliver) through a "Service": the set of edge
 * endpoints currently in rotation, as Kubernetes endpoints are (a pod leaves the set before its
 * SIGTERM, a new one joins once ready). Every answer is recorded; nothing is retried silently.
 */
import { StoreClient } from '../support/store-process.js';

const STAFF = { sub: 'staff-1', role: 'staff' };
const COURIER = { sub: 'courier-1', role: 'courier' };

/** The edge endpoints in rotation: round robin over them, like a ClusterIP Service. */
export class Service {
  private endpoints: StoreClient[] = [];
  private next = 0;

  constructor(urls: readonly string[]) {
    this.endpoints = urls.map((u) => new StoreClient(u));
  }

  pick(): StoreClient {
    const list = this.endpoints;
    if (list.length === 0) throw new Error('no edge endpoint in rotation');
    this.next = (this.next + 1) % list.length;
    return list[this.next]!;
  }

  add(url: string): void {
    this.endpoints = [...this.endpoints, new StoreClient(url)];
  }

  remove(url: string): void {
    this.endpoints = this.endpoints.filter((c) => c.baseUrl !== url);
  }
}

/** What the load saw. A failure is a refused/reset connection, a 5xx, or an answer the API forbids. */
export interface LoadReport {
  requests: number;
  failures: string[];
  /** Orders answered 201, by id. */
  placed: Map<string, string>;
  /** Orders whose lifecycle the shopper saw to Delivered. */
  delivered: Set<string>;
  /** 404/409 answers while a step was not yet possible (eventual consistency), then retried. */
  notYet: number;
}

type Who = { sub: string; role: string };

export class Shoppers {
  readonly report: LoadReport = {
    requests: 0,
    failures: [],
    placed: new Map(),
    delivered: new Set(),
    notYet: 0,
  };
  private running = false;
  private loops: Promise<void>[] = [];
  private readonly inflight = new Map<string, number>();

  constructor(
    private readonly service: Service,
    private readonly clients: number,
    private readonly tag: string,
  ) {}

  start(): void {
    this.running = true;
    this.loops = Array.from({ length: this.clients }, (_, i) => this.shopper(`${this.tag}-${i}`));
  }

  /** Stop placing new orders; finish the lifecycles already started. */
  async stop(): Promise<LoadReport> {
    this.running = false;
    await Promise.all(this.loops);
    return this.report;
  }

  private async call<T>(
    method: string,
    path: string,
    as: Who,
    body?: unknown,
    headers?: Record<string, string>,
  ) {
    this.report.requests++;
    const client = this.service.pick();
    this.inflight.set(client.baseUrl, (this.inflight.get(client.baseUrl) ?? 0) + 1);
    try {
      const r = await client.call<T>(method, path, as, body, headers);
      if (r.status >= 500)
        this.report.failures.push(`${method} ${path} -> ${r.status} ${JSON.stringify(r.body)}`);
      return r;
    } catch (err) {
      this.report.failures.push(
        `${method} ${path} on ${client.baseUrl}: ${err instanceof Error ? `${err.message} ${String(err.cause)}` : String(err)}`,
      );
      return null;
    } finally {
      this.inflight.set(client.baseUrl, this.inflight.get(client.baseUrl)! - 1);
    }
  }

  /** Requests on their way to or from this endpoint (a pod out of rotation drains to 0). */
  inflightTo(url: string): number {
    return this.inflight.get(url) ?? 0;
  }

  /** Repeat a lifecycle step while it is not yet possible (404/409); 202 ends it. */
  private async step(path: string, as: Who): Promise<boolean> {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const r = await this.call('POST', path, as);
      if (r === null) return false;
      if (r.status === 202) return true;
      if (r.status !== 404 && r.status !== 409) {
        this.report.failures.push(`POST ${path} -> ${r.status} ${JSON.stringify(r.body)}`);
        return false;
      }
      this.report.notYet++;
      await new Promise((res) => setTimeout(res, 50));
    }
    this.report.failures.push(`POST ${path}: not possible within 30 s`);
    return false;
  }

  private async shopper(sub: string): Promise<void> {
    const me = { sub, role: 'customer' };
    let n = 0;
    while (this.running) {
      n++;
      const r = await this.call<{ orderId?: string }>(
        'POST',
        '/orders',
        me,
        { productId: 'wm-100', quantity: 1, paymentToken: 'tok_visa', address: `${n} Main Street` },
        { 'idempotency-key': `${sub}-${n}` },
      );
      if (r === null || r.status >= 500) continue;
      if (r.status !== 201 || typeof r.body.orderId !== 'string') {
        this.report.failures.push(`POST /orders -> ${r.status} ${JSON.stringify(r.body)}`);
        continue;
      }
      const id = r.body.orderId;
      this.report.placed.set(id, sub);
      if (!(await this.step(`/ordermanagements/${id}/accept`, STAFF))) continue;
      if (!(await this.step(`/ordermanagements/${id}/pack`, STAFF))) continue;
      if (!(await this.step(`/deliveries/${id}/complete`, COURIER))) continue;
      this.report.delivered.add(id);
    }
  }
}
