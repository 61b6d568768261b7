/**
 * Every request and response shape of the edge, as zod 4 schemas. Requests are `.strict()`:
 * unknown fields are a 400 `validation`. The same schemas generate `/openapi.json`.
 */
import { z } from 'zod';
import { CATALOGUE } from '../actors/catalogue.js';
import { USER_ROLES } from './context.js';

/** Ids that travel in paths and Redis keys: a safe token, no separators beyond `_ - . :`. */
export const Id = z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'must be 1-128 of A-Z a-z 0-9 _ . : -');

export const OrderStatus = z.enum([
  'Ordered',
  'Accepted',
  'Packed',
  'DeliveryStarted',
  'Delivered',
  'Cancelled',
  'Rejected',
]);
export const PaymentStatus = z.enum(['Approved', 'Declined', 'Refunded']);
export const DeliveryStatus = z.enum(['Started', 'Delivered', 'Cancelled']);
export const StoreOrderStatus = z.enum(['Received', 'Accepted', 'Packed', 'Cancelled']);
export const MessageKind = z.enum([
  'OrderPlaced',
  'DeliveryStarted',
  'DeliveryCompleted',
  'DeliveryCancelled',
  'OrderCancelled',
]);
export const ActorType = z.enum(['order', 'payment', 'store', 'delivery']);
const IsoTime = z.string().describe('ISO 8601 date-time');

// ---- requests ---------------------------------------------------------------------------------

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/**
 * Text that came through intact: no UTF-16 surrogate without its pair (not text at all: two such
 * ids would be the same bytes once encoded, and they break JSON encoders of other languages,
 * Mongo drivers and SMS gateways), and no U+FFFD (what a decoder puts for bytes that were not
 * UTF-8: two different byte strings would read as the same text).
 */
export function isIntactText(v: string): boolean {
  return !LONE_SURROGATE.test(v) && !v.includes('\uFFFD');
}
const INTACT = 'must be well-formed UTF-8 text (no lone surrogates, no U+FFFD)';

/** The user id of a dev token: what a verified token may carry (http/auth.ts), any 1-256 characters. */
export const TokenRequest = z
  .object({ sub: z.string().min(1).max(256).refine(isIntactText, INTACT), role: z.enum(USER_ROLES) })
  .strict();

/** Provider tokens are opaque ASCII (`tok_…`): nothing else is forwarded to the payment provider. */
const PAYMENT_TOKEN = /^[\x21-\x7E]{1,512}$/;
/** Text a person typed (an address): no C0 controls but tab and line breaks, no DEL. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const PLAIN_TEXT = /^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]*$/;

export const PlaceOrderBody = z
  .object({
    // The handler answers an unknown id with 400 `validation`; the document lists the known ones
    // so clients (and schemathesis) know which strings are accepted.
    productId: z
      .string()
      .min(1)
      .max(128)
      .meta({ enum: CATALOGUE.map((p) => p.id) }),
    quantity: z.number().int().min(1).max(10),
    paymentToken: z.string().regex(PAYMENT_TOKEN, 'must be 1-512 printable ASCII characters'),
    address: z
      .string()
      .trim()
      .min(1)
      .max(1000)
      .regex(PLAIN_TEXT, 'must be text without control characters')
      // A refinement, not in PLAIN_TEXT: the document's readers (Python in schemathesis) cannot
      // use surrogate ranges in a pattern.
      .refine(isIntactText, INTACT),
  })
  .strict();
export type PlaceOrderBody = z.output<typeof PlaceOrderBody>;

export const IdempotencyHeaders = z
  .object({
    'idempotency-key': z
      .string()
      .regex(/^[A-Za-z0-9_.:-]{1,255}$/, 'must be 1-255 of A-Z a-z 0-9 _ . : -')
      .optional()
      .describe(
        'Retry safely: the same key with the same body gets the same answer, charged once (kept 24 h)',
      ),
  })
  .strict();

export const OrderIdParams = z.object({ orderId: Id }).strict();
export const ActorParams = z.object({ type: ActorType, key: Id }).strict();
export const DeadLetterParams = z.object({ id: Id }).strict();

/** The most items a page holds: a larger `limit` is capped to it (API.md). */
export const MAX_PAGE = 100;
const limit = z.coerce
  .number()
  .int()
  .min(1)
  .max(1_000_000)
  .default(20)
  .transform((n) => Math.min(n, MAX_PAGE))
  .describe(`page size (1 to 1,000,000), default 20; more than ${MAX_PAGE} is capped to ${MAX_PAGE}`);
/** `cursor=` sent empty counts as left out (the first page); the document allows it too. */
const cursor = z
  .string()
  .max(512)
  .optional()
  .transform((c) => (c === '' ? undefined : c))
  .describe('the `next` of the previous page (empty: the first page)');

export const PageQuery = z.object({ limit, cursor }).strict();
export const StoreBoardQuery = z.object({ status: StoreOrderStatus.optional(), limit, cursor }).strict();
export const DeadLetterQuery = z.object({ limit }).strict();

// ---- responses --------------------------------------------------------------------------------

export const TokenResponse = z.object({ token: z.string(), expiresIn: z.number().int().describe('seconds') });

export const Product = z.object({
  id: z.string(),
  name: z.string(),
  price: z.number().int().describe('minor units (cents)'),
  currency: z.string(),
});

export const PlacedOrder = z.object({
  orderId: z.string(),
  status: z.literal('Ordered'),
  customerId: z.string(),
  productId: z.string(),
  quantity: z.number().int(),
  amount: z.number().int(),
  currency: z.string(),
});

export const Order = z.object({
  orderId: z.string(),
  status: OrderStatus,
  customerId: z.string(),
  productId: z.string(),
  quantity: z.number().int(),
  amount: z.number().int(),
  currency: z.string(),
  address: z.string(),
  createdAt: IsoTime,
  updatedAt: IsoTime,
});

export const StepAccepted = z.object({ orderId: z.string(), status: z.string() });

export const MyPageItem = z.object({
  orderId: z.string(),
  productId: z.string(),
  quantity: z.number().int(),
  amount: z.number().int(),
  currency: z.string(),
  orderStatus: OrderStatus.nullable(),
  paymentStatus: PaymentStatus.nullable(),
  deliveryStatus: DeliveryStatus.nullable(),
  updatedAt: IsoTime,
  history: z.array(z.object({ status: z.string(), at: IsoTime })),
});

export const StoreBoardItem = z.object({
  orderId: z.string(),
  status: StoreOrderStatus,
  productId: z.string(),
  quantity: z.number().int(),
  address: z.string(),
  receivedAt: IsoTime,
});

export const Message = z.object({
  messageId: z.string(),
  orderId: z.string(),
  kind: MessageKind,
  text: z.string(),
  createdAt: IsoTime,
});

export const Delivery = z.object({ orderId: z.string(), status: DeliveryStatus, courierId: z.string() });

export const Payment = z.object({
  orderId: z.string(),
  status: PaymentStatus,
  amount: z.number().int(),
  currency: z.string(),
});

/** A cursor page: `next` is opaque, null on the last page. */
export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), next: z.string().nullable() });
}

export const Mailbox = z.object({
  type: z.string(),
  shard: z.number().int(),
  length: z.number().int(),
  lag: z.number().int(),
  pending: z.number().int(),
  owner: z.string().nullable(),
});

export const ActorState = z.object({
  type: ActorType,
  key: z.string(),
  state: z.unknown(),
  version: z.number().int(),
});

export const DeadLetter = z.object({
  id: z.string(),
  type: z.string(),
  shard: z.number().int(),
  key: z.string(),
  messageType: z.string(),
  error: z.string(),
  at: IsoTime,
});

export const Replayed = z.object({ id: z.string(), replayed: z.literal(true) });
export const Health = z.object({ status: z.literal('ok') });

export const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string(),
    /** `validation`: each problem with where it is (`body.quantity`). */
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    /** `payment-declined`: the Rejected order. */
    orderId: z.string().optional(),
  })
  // RFC 9457 allows extension members; the document must not call them invalid.
  .loose()
  .describe('RFC 9457 problem details; `code` is stable and machine-readable');
