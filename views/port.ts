import type {
  DomainEvent,
  DeliveryStatus,
  MessageKind,
  OrderStatus,
  PaymentStatus,
  StoreOrderStatus,
} from '../actors/events.js';

/** One page of a cursor-paginated list: `next` is opaque, null on the last page. */
export interface Page<T> {
  readonly items: readonly T[];
  readonly next: string | null;
}

export interface MyPageItem {
  readonly orderId: string;
  readonly customerId: string;
  readonly productId: string;
  readonly quantity: number;
  readonly amount: number;
  readonly currency: string;
  readonly orderStatus: OrderStatus | null;
  readonly paymentStatus: PaymentStatus | null;
  readonly deliveryStatus: DeliveryStatus | null;
  readonly updatedAt: string; // ISO 8601
  readonly history: readonly { readonly status: string; readonly at: string }[];
}

export interface StoreBoardItem {
  readonly orderId: string;
  readonly status: StoreOrderStatus;
  readonly productId: string;
  readonly quantity: number;
  readonly address: string;
  readonly receivedAt: string; // ISO 8601
}

export interface CustomerMessage {
  readonly messageId: string;
  readonly customerId: string;
  readonly orderId: string;
  readonly kind: MessageKind;
  readonly text: string;
  readonly createdAt: string; // ISO 8601
}

/**
 * The read models (CQRS). Writes are idempotent and versioned: applying the same event twice,
 * or an older event after a newer one, changes nothing. Two adapters: Redis (embedded default)
 * and mongoose (MONGO_URL); both pass test/views/read-models.contract.ts.
 */
export interface ReadModels {
  /** Apply one domain event to my page and the store board. */
  apply(event: DomainEvent): Promise<void>;
  /** Store a customer message; a second call with the same messageId changes nothing. Returns true when new. */
  addMessage(message: CustomerMessage): Promise<boolean>;

  myPage(customerId: string, orderId: string): Promise<MyPageItem | null>;
  myPages(customerId: string, limit: number, cursor: string | null): Promise<Page<MyPageItem>>;
  storeBoard(
    status: StoreOrderStatus | null,
    limit: number,
    cursor: string | null,
  ): Promise<Page<StoreBoardItem>>;
  messages(customerId: string, limit: number, cursor: string | null): Promise<Page<CustomerMessage>>;

  /** Answers when the backing store answers (readiness). */
  ping(): Promise<void>;
  /**
   * Whether the connection to the backing store is up, as the client last saw it (no I/O): the
   * edge turns reads away at once while it has been down for a while.
   */
  connected(): boolean;
  close(): Promise<void>;
}
