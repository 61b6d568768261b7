/**
 * The chaos clients: each is a customer who keeps placing orders (with an Idempotency-Key, retried
 * on 5xx and on no answer, as a real client would) and drives each through a lifecycle with the
 * store's staff and courier: delivered, or cancelled early, after acceptance or after the delivery
 * started. Everything they were told is kept for the final checks.
 */
import { CATALOGUE } from '../../actors/catalogue.js';
import { orderIdFor } from '../../http/idempotency.js';
import type { Answer, ChaosHttp, Principal } from './http.js';
import type { Rng } from './rng.js';

export const STAFF: Principal = { sub: 'staff-1', role: 'staff' };
export const COURIER: Principal = { sub: 'courier-1', role: 'courier' };
export const ADMIN: Principal = { sub: 'admin-1', role: 'admin' };
export const customerOf = (i: number): Principal => ({ sub: `c-chaos-${i}`, role: 'customer' });

export type Plan = 'deliver' | 'cancel-early' | 'cancel-accepted' | 'cancel-started';

export interface OrderLog {
  readonly orderId: string;
  readonly customer: string;
  readonly key: string;
  readonly plan: Plan;
  readonly amount: number;
  /** The client got 201 for it. */
  placed: boolean;
  /** The steps the store acknowledged (202), in order. */
  readonly steps: string[];
  /** The client ran out of patience at this step (null: it finished its plan). */
  gaveUp: string | null;
}

const STATUS_RANK: Readonly<Record<string, number>> = {
  Ordered: 1,
  Accepted: 2,
  Packed: 3,
  DeliveryStarted: 4,
  Delivered: 5,
  Cancelled: 9,
  Rejected: 9,
};

export interface ShopperOptions {
  /** How long one step may keep failing before the client gives up on the order. */
  readonly stepDeadlineMs: number;
  readonly thinkMs: readonly [number, number];
}

class GaveUp extends Error {
  constructor(readonly step: string) {
    super(`gave up at ${step}`);
  }
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class Shopper {
  readonly orders: OrderLog[] = [];
  private n = 0;
  private readonly me: Principal;

  constructor(
    readonly index: number,
    private readonly http: ChaosHttp,
    private readonly rng: Rng,
    private readonly o: ShopperOptions,
  ) {
    this.me = customerOf(index);
  }

  /** Place and drive orders until `stopping()` says so; the current order is driven to its end. */
  async run(stopping: () => boolean): Promise<void> {
    while (!stopping()) {
      await this.lifecycle();
      await pause(this.rng.int(...this.o.thinkMs));
    }
  }

  private async lifecycle(): Promise<void> {
    const key = `k-${this.rng.seed}-${this.index}-${this.n++}`;
    const product = this.rng.pick(CATALOGUE);
    const quantity = this.rng.int(1, 3);
    const r = this.rng.next();
    const plan: Plan =
      r < 0.55 ? 'deliver' : r < 0.7 ? 'cancel-early' : r < 0.85 ? 'cancel-accepted' : 'cancel-started';
    const log: OrderLog = {
      orderId: orderIdFor(this.me.sub, key),
      customer: this.me.sub,
      key,
      plan,
      amount: product.price * quantity,
      placed: false,
      steps: [],
      gaveUp: null,
    };
    this.orders.push(log);
    const body = {
      productId: product.id,
      quantity,
      paymentToken: 'tok_visa',
      address: `${this.index} Chaos Lane`,
    };
    try {
      const placed = await this.step(
        'place',
        () =>
          this.http.call<{ orderId: string }>('POST', '/orders', this.me, 'POST /orders', body, {
            'idempotency-key': key,
          }),
        [201],
      );
      if (placed.body.orderId !== log.orderId)
        throw new Error(`order id ${placed.body.orderId}, expected ${log.orderId}`);
      log.placed = true;
      if (plan === 'cancel-early') return await this.cancel(log);
      await this.move(log, 'accept', `/ordermanagements/${log.orderId}/accept`, STAFF, 'Accepted');
      if (plan === 'cancel-accepted') return await this.cancel(log);
      await this.move(log, 'pack', `/ordermanagements/${log.orderId}/pack`, STAFF, 'Packed');
      await this.until(log, 'DeliveryStarted');
      if (plan === 'cancel-started') return await this.cancel(log);
      await this.move(log, 'complete', `/deliveries/${log.orderId}/complete`, COURIER, 'Delivered');
    } catch (err) {
      if (!(err instanceof GaveUp)) throw err;
      log.gaveUp = err.step;
    }
  }

  private async cancel(log: OrderLog): Promise<void> {
    await this.step(
      'cancel',
      () => this.http.call('POST', `/orders/${log.orderId}/cancel`, this.me, 'POST /orders/:id/cancel'),
      [202],
    );
    log.steps.push('cancel');
  }

  /**
   * A staff or courier step. 404/409 before the store has caught up (the order has not reached
   * it yet) are retried; a 409 after a lost 202 is recognised by the order's status.
   */
  private async move(
    log: OrderLog,
    name: string,
    path: string,
    as: Principal,
    reached: string,
  ): Promise<void> {
    const deadline = Date.now() + this.o.stepDeadlineMs;
    for (;;) {
      const a = await this.step(
        name,
        () => this.http.call('POST', path, as, `POST ${name}`),
        [202, 404, 409],
        deadline,
      );
      if (a.status === 202) break;
      if (a.status === 409 && (await this.rank(log)) >= STATUS_RANK[reached]!) break;
      if (Date.now() > deadline) throw new GaveUp(name);
      await pause(100);
    }
    log.steps.push(name);
  }

  private async rank(log: OrderLog): Promise<number> {
    const a = await this.http.call<{ status?: string }>(
      'GET',
      `/orders/${log.orderId}`,
      this.me,
      'GET /orders/:id',
    );
    return a.status === 200 ? (STATUS_RANK[a.body.status ?? ''] ?? 0) : 0;
  }

  private async until(log: OrderLog, status: string): Promise<void> {
    const deadline = Date.now() + this.o.stepDeadlineMs;
    while ((await this.rank(log)) < STATUS_RANK[status]!) {
      if (Date.now() > deadline) throw new GaveUp(`wait ${status}`);
      await pause(150);
    }
  }

  /** Retry one call on 5xx / no answer (honouring Retry-After, capped) until it gives `want`. */
  private async step<T>(
    name: string,
    attempt: () => Promise<Answer<T>>,
    want: readonly number[],
    deadline = Date.now() + this.o.stepDeadlineMs,
  ): Promise<Answer<T>> {
    for (let i = 0; ; i++) {
      const a = await attempt();
      if (want.includes(a.status)) return a;
      if (a.status !== 0 && a.status < 500 && a.status !== 429) {
        throw new Error(`${name}: unexpected ${a.status} ${JSON.stringify(a.body)}`);
      }
      if (Date.now() > deadline) throw new GaveUp(name);
      const backoff = Math.min(1000, a.retryAfterS !== null ? a.retryAfterS * 1000 : 100 * 2 ** i);
      await pause(backoff / 2 + this.rng.next() * (backoff / 2));
    }
  }
}

export function shopperPrincipals(count: number): Principal[] {
  return [...Array.from({ length: count }, (_, i) => customerOf(i)), STAFF, COURIER, ADMIN];
}
