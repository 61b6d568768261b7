/**
 * An in-memory stand-in for the actor runtime behind the edge's ports (StoreGateway, AdminPort,
 * HealthPort). It follows the same rules as the actors: an order exists only when paid, states
 * move only along the lifecycle, steps check ownership, repeats answer the same outcome and
 * charge/refund once. It publishes the same domain events, so real read models can follow it.
 */
import type { DomainEvent, EventSource, MessageKind } from '../../../actors/events.js';
import type {
  AdminPort,
  DeadLetterInfo,
  DeliveryView,
  HealthPort,
  MailboxInfo,
  OrderView,
  PaymentView,
  PlaceOrderCommand,
  PlaceOrderOutcome,
  StepOutcome,
  StoreGateway,
} from '../../../http/ports.js';
import type { StoreOrderStatus } from '../../../actors/events.js';

export interface StoreSink {
  event(e: DomainEvent): Promise<void>;
  message(customerId: string, orderId: string, kind: MessageKind): Promise<void>;
}

class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
  readonly code = 'timeout';
}

export class InMemoryStore implements StoreGateway, AdminPort, HealthPort {
  readonly orders = new Map<string, OrderView>();
  readonly payments = new Map<string, PaymentView>();
  readonly storeOrders = new Map<string, StoreOrderStatus>();
  readonly deliveries = new Map<string, DeliveryView>();
  /** Calls to the payment provider, per order id. */
  readonly charges = new Map<string, number>();
  readonly refunds = new Map<string, number>();
  readonly deadLetterList: DeadLetterInfo[] = [];
  readonly placeCalls: PlaceOrderCommand[] = [];
  private readonly versions = new Map<string, number>();
  private nextCourier = 0;

  /** Knobs for tests: the payment system's health, the actor's reply, the backlog, the probes. */
  paymentDown = false;
  replyTimesOut = false;
  backlog = 0;
  isLive = true;
  isReady = true;

  constructor(
    private readonly couriers: readonly string[],
    private readonly sink: StoreSink,
  ) {}

  private async publish(
    source: EventSource,
    e: (base: { version: number; at: number }) => DomainEvent,
  ): Promise<void> {
    const event = e({ version: 0, at: Date.now() });
    const key = `${source}:${event.data.orderId}`;
    const version = (this.versions.get(key) ?? 0) + 1;
    this.versions.set(key, version);
    await this.sink.event({ ...event, data: { ...event.data, version } } as DomainEvent);
  }

  private async setOrderStatus(order: OrderView, status: OrderView['status']): Promise<void> {
    this.orders.set(order.orderId, { ...order, status, updatedAt: new Date().toISOString() });
    const { orderId, customerId } = order;
    await this.publish('order', (b) => ({
      type: 'OrderStatusChanged',
      data: { ...b, orderId, customerId, status },
    }));
  }

  async placeOrder(cmd: PlaceOrderCommand): Promise<PlaceOrderOutcome> {
    this.placeCalls.push(cmd);
    if (this.replyTimesOut) throw new TimeoutError(`no reply for ${cmd.orderId}`);
    const known = this.orders.get(cmd.orderId);
    if (known)
      return known.status === 'Rejected'
        ? { kind: 'declined', order: known }
        : { kind: 'placed', order: known };
    if (this.paymentDown) return { kind: 'unavailable', retryAfterSeconds: 7 };
    this.charges.set(cmd.orderId, (this.charges.get(cmd.orderId) ?? 0) + 1);
    const now = new Date().toISOString();
    const declined = cmd.paymentToken === 'tok_declined';
    const order: OrderView = {
      orderId: cmd.orderId,
      status: declined ? 'Rejected' : 'Ordered',
      customerId: cmd.customerId,
      productId: cmd.productId,
      quantity: cmd.quantity,
      amount: cmd.amount,
      currency: cmd.currency,
      address: cmd.address,
      createdAt: now,
      updatedAt: now,
    };
    this.orders.set(order.orderId, order);
    const payment: PaymentView = {
      orderId: cmd.orderId,
      customerId: cmd.customerId,
      status: declined ? 'Declined' : 'Approved',
      amount: cmd.amount,
      currency: cmd.currency,
    };
    this.payments.set(cmd.orderId, payment);
    const { orderId, customerId, productId, quantity, amount, currency, address } = cmd;
    const line = { orderId, customerId, productId, quantity, amount, currency };
    if (declined) {
      await this.publish('payment', (b) => ({
        type: 'PaymentDeclined',
        data: { ...b, orderId, customerId, amount, currency },
      }));
      await this.publish('order', (b) => ({ type: 'OrderRejected', data: { ...b, ...line } }));
      return { kind: 'declined', order };
    }
    await this.publish('payment', (b) => ({
      type: 'PaymentApproved',
      data: { ...b, orderId, customerId, amount, currency, chargeId: `ch_${orderId}` },
    }));
    await this.publish('order', (b) => ({ type: 'OrderPlaced', data: { ...b, ...line, address } }));
    this.storeOrders.set(orderId, 'Received');
    await this.publish('store', (b) => ({ type: 'StoreOrderReceived', data: { ...b, ...line, address } }));
    await this.sink.message(customerId, orderId, 'OrderPlaced');
    return { kind: 'placed', order };
  }

  getOrder(orderId: string): Promise<OrderView | null> {
    return Promise.resolve(this.orders.get(orderId) ?? null);
  }

  async cancelOrder(orderId: string, customerId: string): Promise<StepOutcome> {
    const order = this.orders.get(orderId);
    if (!order || order.customerId !== customerId) return { kind: 'not-found' };
    if (order.status === 'Cancelled') return { kind: 'ok', status: 'Cancelled' };
    if (order.status === 'Delivered' || order.status === 'Rejected')
      return { kind: 'not-cancellable', status: order.status };
    const payment = this.payments.get(orderId);
    if (payment && payment.status === 'Approved') {
      this.refunds.set(orderId, (this.refunds.get(orderId) ?? 0) + 1);
      this.payments.set(orderId, { ...payment, status: 'Refunded' });
      const { amount, currency } = payment;
      await this.publish('payment', (b) => ({
        type: 'PaymentRefunded',
        data: { ...b, orderId, customerId, amount, currency, refundId: `re_${orderId}` },
      }));
    }
    const delivery = this.deliveries.get(orderId);
    if (delivery && delivery.status === 'Started') {
      this.deliveries.set(orderId, { ...delivery, status: 'Cancelled' });
      const { courierId } = delivery;
      await this.publish('delivery', (b) => ({
        type: 'DeliveryCancelled',
        data: { ...b, orderId, customerId, courierId },
      }));
      await this.sink.message(customerId, orderId, 'DeliveryCancelled');
    }
    if (this.storeOrders.has(orderId)) {
      this.storeOrders.set(orderId, 'Cancelled');
      await this.publish('store', (b) => ({
        type: 'StoreOrderCancelled',
        data: { ...b, orderId, customerId },
      }));
    }
    this.orders.set(orderId, { ...order, status: 'Cancelled', updatedAt: new Date().toISOString() });
    await this.publish('order', (b) => ({ type: 'OrderCancelled', data: { ...b, orderId, customerId } }));
    await this.sink.message(customerId, orderId, 'OrderCancelled');
    return { kind: 'ok', status: 'Cancelled' };
  }

  private async storeStep(
    orderId: string,
    from: StoreOrderStatus,
    to: 'Accepted' | 'Packed',
  ): Promise<StepOutcome> {
    const status = this.storeOrders.get(orderId);
    const order = this.orders.get(orderId);
    if (status === undefined || !order) return { kind: 'not-found' };
    if (status === to) return { kind: 'ok', status: to }; // a repeated step changes nothing
    if (status !== from) return { kind: 'invalid-transition', status };
    this.storeOrders.set(orderId, to);
    const { customerId } = order;
    await this.publish('store', (b) => ({
      type: to === 'Accepted' ? 'StoreOrderAccepted' : 'StoreOrderPacked',
      data: { ...b, orderId, customerId },
    }));
    await this.setOrderStatus(order, to);
    if (to === 'Packed') {
      const courierId = this.couriers[this.nextCourier++ % this.couriers.length] ?? 'courier-1';
      this.deliveries.set(orderId, { orderId, customerId, status: 'Started', courierId });
      await this.publish('delivery', (b) => ({
        type: 'DeliveryStarted',
        data: { ...b, orderId, customerId, courierId },
      }));
      await this.setOrderStatus(this.orders.get(orderId)!, 'DeliveryStarted');
      await this.sink.message(customerId, orderId, 'DeliveryStarted');
    }
    return { kind: 'ok', status: to };
  }

  acceptStoreOrder(orderId: string, _staffId: string): Promise<StepOutcome> {
    return this.storeStep(orderId, 'Received', 'Accepted');
  }

  packStoreOrder(orderId: string, _staffId: string): Promise<StepOutcome> {
    return this.storeStep(orderId, 'Accepted', 'Packed');
  }

  getDelivery(orderId: string): Promise<DeliveryView | null> {
    return Promise.resolve(this.deliveries.get(orderId) ?? null);
  }

  async completeDelivery(orderId: string, courierId: string | null): Promise<StepOutcome> {
    const d = this.deliveries.get(orderId);
    if (!d || (courierId !== null && d.courierId !== courierId)) return { kind: 'not-found' };
    if (d.status === 'Delivered') return { kind: 'ok', status: 'Delivered' };
    if (d.status === 'Cancelled') return { kind: 'invalid-transition', status: d.status };
    this.deliveries.set(orderId, { ...d, status: 'Delivered' });
    const { customerId } = d;
    await this.publish('delivery', (b) => ({
      type: 'DeliveryCompleted',
      data: { ...b, orderId, customerId, courierId: d.courierId },
    }));
    await this.setOrderStatus(this.orders.get(orderId)!, 'Delivered');
    await this.sink.message(customerId, orderId, 'DeliveryCompleted');
    return { kind: 'ok', status: 'Delivered' };
  }

  getPayment(orderId: string): Promise<PaymentView | null> {
    return Promise.resolve(this.payments.get(orderId) ?? null);
  }

  // ---- AdminPort ---------------------------------------------------------------------------

  mailboxes(): Promise<MailboxInfo[]> {
    const types = ['order', 'payment', 'store', 'delivery'];
    return Promise.resolve(
      types.map((type) => ({ type, shard: 0, length: 0, lag: 0, pending: 0, owner: 'memory' })),
    );
  }

  actor(type: string, key: string): Promise<{ readonly state: unknown; readonly version: number } | null> {
    const state: unknown =
      type === 'order'
        ? this.orders.get(key)
        : type === 'payment'
          ? this.payments.get(key)
          : type === 'store'
            ? this.storeOrders.get(key)
            : type === 'delivery'
              ? this.deliveries.get(key)
              : undefined;
    if (state === undefined) return Promise.resolve(null);
    return Promise.resolve({ state, version: this.versions.get(`${type}:${key}`) ?? 0 });
  }

  deadLetters(limit: number): Promise<DeadLetterInfo[]> {
    return Promise.resolve(this.deadLetterList.slice(0, limit));
  }

  replayDeadLetter(id: string): Promise<boolean> {
    const i = this.deadLetterList.findIndex((d) => d.id === id);
    if (i < 0) return Promise.resolve(false);
    this.deadLetterList.splice(i, 1);
    return Promise.resolve(true);
  }

  orderBacklog(): Promise<number> {
    return Promise.resolve(this.backlog);
  }

  // ---- HealthPort --------------------------------------------------------------------------

  live(): boolean {
    return this.isLive;
  }

  ready(): Promise<boolean> {
    return Promise.resolve(this.isReady);
  }
}
