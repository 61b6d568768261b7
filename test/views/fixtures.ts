/** Domain events for the read-model tests, built exactly as actors/events.ts types them. */
import { randomBytes } from 'node:crypto';
import type { DomainEvent, OrderStatus } from '../../actors/events.js';
import type { ReadModels } from '../../views/port.js';

export const T0 = Date.UTC(2025, 0, 15, 9, 0, 0);
export const iso = (ms: number): string => new Date(ms).toISOString();
export const uid = (p: string): string => `${p}-${randomBytes(4).toString('hex')}`;

/** What a test names about the order; version and at default to 1 and T0. */
export interface Meta {
  readonly version?: number;
  readonly at?: number;
}

/** Builders for one order's events: `o.placed({ version: 1, at })`, `o.payment('PaymentApproved', …)`. */
export class OrderEvents {
  constructor(
    readonly orderId: string = uid('o'),
    readonly customerId: string = uid('c'),
  ) {}

  readonly line = { productId: 'fridge-x1', quantity: 2, amount: 99800, currency: 'EUR' } as const;
  readonly address = '1 Main St, Springfield';

  private base(m: Meta): { orderId: string; customerId: string; version: number; at: number } {
    return { orderId: this.orderId, customerId: this.customerId, version: m.version ?? 1, at: m.at ?? T0 };
  }

  placed(m: Meta = {}): DomainEvent {
    return { type: 'OrderPlaced', data: { ...this.base(m), ...this.line, address: this.address } };
  }
  rejected(m: Meta = {}): DomainEvent {
    return { type: 'OrderRejected', data: { ...this.base(m), ...this.line } };
  }
  status(status: OrderStatus, m: Meta): DomainEvent {
    return { type: 'OrderStatusChanged', data: { ...this.base(m), status } };
  }
  cancelled(m: Meta): DomainEvent {
    return { type: 'OrderCancelled', data: this.base(m) };
  }
  approved(m: Meta = {}): DomainEvent {
    return {
      type: 'PaymentApproved',
      data: { ...this.base(m), amount: 99800, currency: 'EUR', chargeId: 'ch-1' },
    };
  }
  declined(m: Meta = {}): DomainEvent {
    return { type: 'PaymentDeclined', data: { ...this.base(m), amount: 99800, currency: 'EUR' } };
  }
  refunded(m: Meta): DomainEvent {
    return {
      type: 'PaymentRefunded',
      data: { ...this.base(m), amount: 99800, currency: 'EUR', refundId: 'rf-1' },
    };
  }
  received(m: Meta = {}): DomainEvent {
    return { type: 'StoreOrderReceived', data: { ...this.base(m), ...this.line, address: this.address } };
  }
  store(type: 'StoreOrderAccepted' | 'StoreOrderPacked' | 'StoreOrderCancelled', m: Meta): DomainEvent {
    return { type, data: this.base(m) };
  }
  delivery(type: 'DeliveryStarted' | 'DeliveryCompleted' | 'DeliveryCancelled', m: Meta = {}): DomainEvent {
    return { type, data: { ...this.base(m), courierId: 'courier-1' } };
  }
}

/** A fresh, isolated ReadModels for one test (own key prefix or own database). */
export interface ReadModelsFixture {
  readonly models: ReadModels;
  /** Read models of the same kind whose connection to the store has been closed. */
  closed(): Promise<ReadModels>;
  dispose(): Promise<void>;
}

/** Gives each test its read models: call `models()` inside a test. */
export type ModelsOf = () => ReadModels;

export type ReadModelsFactory = () => Promise<ReadModelsFixture>;

export async function applyAll(models: ReadModels, events: readonly DomainEvent[]): Promise<void> {
  for (const e of events) await models.apply(e);
}
