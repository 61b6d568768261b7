/**
 * The read models' collections. Documents are keyed by their natural id (`_id` = orderId or
 * messageId), so an upsert is the idempotent write. Only ordinary compound indexes: FerretDB 1.x
 * has no TTL indexes, `$lookup` or most aggregation stages, and the queries need none of them.
 */
import { Schema, type Connection, type Model } from 'mongoose';

/** Per-source versions of the last applied event (actors/events.ts `eventSource`). */
export interface Versions {
  order?: number;
  payment?: number;
  store?: number;
  delivery?: number;
}

export interface MyPageDoc {
  _id: string;
  customerId: string;
  productId?: string;
  quantity?: number;
  amount?: number;
  currency?: string;
  /** Set by OrderPlaced/OrderRejected; absent on a partial document (not listed yet). */
  createdAt?: Date;
  orderStatus?: string;
  paymentStatus?: string;
  deliveryStatus?: string;
  updatedAt?: Date;
  /** History label → the earliest time it was reached (`$min` keeps it idempotent). */
  history?: Map<string, Date>;
  v?: Versions;
}

export interface StoreBoardDoc {
  _id: string;
  status?: string;
  productId?: string;
  quantity?: number;
  address?: string;
  /** Set by StoreOrderReceived; absent on a partial item (not listed yet). */
  receivedAt?: Date;
  v?: Versions;
}

export interface MessageDoc {
  _id: string;
  customerId: string;
  orderId: string;
  kind: string;
  text: string;
  createdAt: Date;
}

const versions = { order: Number, payment: Number, store: Number, delivery: Number };
const options = { versionKey: false, timestamps: false, strict: true, minimize: true } as const;

const myPageSchema = new Schema<MyPageDoc>(
  {
    _id: { type: String, required: true },
    customerId: { type: String, required: true },
    productId: String,
    quantity: Number,
    amount: Number,
    currency: String,
    createdAt: Date,
    orderStatus: String,
    paymentStatus: String,
    deliveryStatus: String,
    updatedAt: Date,
    history: { type: Map, of: Date },
    v: versions,
  },
  { ...options, collection: 'mypages' },
);
// myPages(customerId): newest first, ties by orderId (= _id).
myPageSchema.index({ customerId: 1, createdAt: -1, _id: -1 });

const storeBoardSchema = new Schema<StoreBoardDoc>(
  {
    _id: { type: String, required: true },
    status: String,
    productId: String,
    quantity: Number,
    address: String,
    receivedAt: Date,
    v: versions,
  },
  { ...options, collection: 'storeboard' },
);
// storeBoard(status) and storeBoard(null): newest received first, ties by orderId.
storeBoardSchema.index({ status: 1, receivedAt: -1, _id: -1 });
storeBoardSchema.index({ receivedAt: -1, _id: -1 });

const messageSchema = new Schema<MessageDoc>(
  {
    _id: { type: String, required: true },
    customerId: { type: String, required: true },
    orderId: { type: String, required: true },
    kind: { type: String, required: true },
    // Not `required`: mongoose would refuse an empty text.
    text: String,
    createdAt: { type: Date, required: true },
  },
  { ...options, collection: 'messages' },
);
// messages(customerId): newest first, ties by messageId (= _id).
messageSchema.index({ customerId: 1, createdAt: -1, _id: -1 });

export interface ReadModelCollections {
  readonly myPages: Model<MyPageDoc>;
  readonly storeBoard: Model<StoreBoardDoc>;
  readonly messages: Model<MessageDoc>;
}

/** Binds the models to a dedicated connection and builds their indexes (idempotent). */
export async function bindModels(conn: Connection): Promise<ReadModelCollections> {
  const models = {
    myPages: conn.model<MyPageDoc>('MyPage', myPageSchema),
    storeBoard: conn.model<StoreBoardDoc>('StoreBoardItem', storeBoardSchema),
    messages: conn.model<MessageDoc>('CustomerMessage', messageSchema),
  };
  await Promise.all([
    models.myPages.createIndexes(),
    models.storeBoard.createIndexes(),
    models.messages.createIndexes(),
  ]);
  return models;
}
