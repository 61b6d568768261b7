/*
 * The views and outcomes the edge shows are the domain's own types (actors/ defines them once;
 * the edge may depend on the domain, never the other way round).
 */
import type {
  DeliveryView,
  OrderView,
  PaymentView,
  PlaceOrderData,
  PlaceOrderOutcome,
  StepOutcome,
} from '../actors/index.js';

export type { DeliveryView, OrderView, PaymentView, PlaceOrderOutcome, StepOutcome };

/** What `POST /orders` hands to the Order actor, already priced from the catalogue. */
/** The placing as the route builds it; the gateway adds the deadline (`answerBy`). */
export type PlaceOrderCommand = Omit<PlaceOrderData, 'answerBy'>;

/**
 * What the edge asks of the store's actors. Commands go to the actors' mailboxes and wait for
 * their reply (request/reply with a timeout: a timeout rejects with an error whose `code` is
 * 'timeout'); reads come from the actors' own states (read-your-writes).
 */
export interface StoreGateway {
  /**
   * Place and pay; `deadlineAt` (ms since epoch) is when the edge answers anyway. A timeout
   * rejection means the outcome is unknown: the placing may still be paid.
   */
  placeOrder(cmd: PlaceOrderCommand, deadlineAt?: number): Promise<PlaceOrderOutcome>;
  getOrder(orderId: string): Promise<OrderView | null>;
  /**
   * A replayed keyed `POST /orders`, answered from the order's committed state: its outcome, or
   * `key-reused` if the key placed it with another body; null when there is no such order of
   * this customer yet.
   */
  replayOrder(
    orderId: string,
    customerId: string,
    requestHash: string | undefined,
  ): Promise<PlaceOrderOutcome | null>;
  cancelOrder(orderId: string, customerId: string): Promise<StepOutcome>;
  acceptStoreOrder(orderId: string, staffId: string): Promise<StepOutcome>;
  packStoreOrder(orderId: string, staffId: string): Promise<StepOutcome>;
  getDelivery(orderId: string): Promise<DeliveryView | null>;
  /** `courierId` null means an admin completes it on the courier's behalf. */
  completeDelivery(orderId: string, courierId: string | null): Promise<StepOutcome>;
  getPayment(orderId: string): Promise<PaymentView | null>;
}

export interface MailboxInfo {
  readonly type: string;
  readonly shard: number;
  readonly length: number;
  readonly lag: number;
  readonly pending: number;
  readonly owner: string | null;
}

export interface DeadLetterInfo {
  readonly id: string;
  readonly type: string;
  readonly shard: number;
  readonly key: string;
  readonly messageType: string;
  readonly error: string;
  readonly at: string;
}

/** The runtime's operations surface for `/admin/*`. */
export interface AdminPort {
  mailboxes(): Promise<MailboxInfo[]>;
  actor(type: string, key: string): Promise<{ readonly state: unknown; readonly version: number } | null>;
  deadLetters(limit: number): Promise<DeadLetterInfo[]>;
  /** Returns false when no dead letter has that id. */
  replayDeadLetter(id: string): Promise<boolean>;
  /** Total lag of the order mailboxes, for load shedding of `POST /orders`. */
  orderBacklog(): Promise<number>;
}

/** Readiness of this process: Redis (and Mongo) answer and its actors hold their shards. */
export interface HealthPort {
  live(): boolean;
  ready(): Promise<boolean>;
}
