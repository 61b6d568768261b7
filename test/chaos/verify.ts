/**
 * The end-of-run checks against the external observers: the payment provider's books (by
 * idempotency key), the notification gateway's log of POSTs, and the store's own API (orders,
 * payments, deliveries, my page, admin mailboxes and dead letters). Each problem becomes one line;
 * a clean run has none.
 */
import type { PspStats } from '../../outbound/payment/psp-server.js';
import type { ReceivedPost } from '../support/fake-gateway.js';
import type { ChaosHttp } from './http.js';
import { ADMIN, type OrderLog } from './shoppers.js';

interface OrderView {
  status: string;
}
interface PaymentView {
  status: string;
  amount: number;
}
interface DeliveryView {
  status: string;
}
interface MyPage {
  orderStatus: string | null;
  paymentStatus: string | null;
  deliveryStatus: string | null;
}
interface Notification {
  messageId: string;
  orderId: string;
  kind: string;
}
interface MailboxRow {
  type: string;
  shard: number;
  lag: number;
  pending: number;
}
export interface DeadLetterRow {
  id: string;
  type: string;
  shard: number;
  key: string;
  messageType: string;
  error: string;
}

export interface Verdict {
  readonly lost: string[];
  readonly doubled: string[];
  readonly other: string[];
  /** Charges at the provider for orders that were never established, with the order's state. */
  readonly orphanCharges: string[];
  /** Charges in doubt that went through for no order, refunded by the store (not orphans). */
  readonly voided: string[];
  /** Orders established although the client never got its 201 (it gave up retrying). */
  readonly establishedUnanswered: number;
  readonly delivered: number;
  readonly cancelled: number;
}

const customer = (sub: string) => ({ sub, role: 'customer' });
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Wait until no mailbox or event stream holds unfinished work; returns how long it took. */
export async function quiesce(http: ChaosHttp, timeoutMs: number): Promise<{ ms: number; stuck: string[] }> {
  const t0 = Date.now();
  let stuck: string[] = ['(no answer from /admin/mailboxes)'];
  while (Date.now() - t0 < timeoutMs) {
    const a = await http.call<{ items: MailboxRow[] }>('GET', '/admin/mailboxes', ADMIN, 'verify');
    if (a.status === 200) {
      stuck = a.body.items
        .filter((m) => m.lag > 0 || m.pending > 0)
        .map((m) => `${m.type}/${m.shard} lag ${m.lag} pending ${m.pending}`);
      if (stuck.length === 0) return { ms: Date.now() - t0, stuck };
    }
    await pause(250);
  }
  return { ms: Date.now() - t0, stuck };
}

export async function deadLetters(http: ChaosHttp): Promise<DeadLetterRow[]> {
  const a = await http.call<{ items: DeadLetterRow[] }>(
    'GET',
    '/admin/dead-letters?limit=100',
    ADMIN,
    'verify',
  );
  if (a.status !== 200) throw new Error(`GET /admin/dead-letters answered ${a.status}`);
  return a.body.items;
}

interface Seen {
  order: OrderView | null;
  payment: PaymentView | null;
  delivery: DeliveryView | null;
  page: MyPage | null;
}

async function look(http: ChaosHttp, log: OrderLog): Promise<Seen> {
  const as = customer(log.customer);
  const get = async <T>(path: string): Promise<T | null> => {
    for (let i = 0; i < 20; i++) {
      const a = await http.call<T>('GET', path, as, 'verify');
      if (a.status === 200) return a.body;
      if (a.status === 404) return null;
      await pause(200);
    }
    throw new Error(`GET ${path} kept failing`);
  };
  const [order, payment, delivery, page] = await Promise.all([
    get<OrderView>(`/orders/${log.orderId}`),
    get<PaymentView>(`/payments/${log.orderId}`),
    get<DeliveryView>(`/deliveries/${log.orderId}`),
    get<MyPage>(`/myPages/${log.orderId}`),
  ]);
  return { order, payment, delivery, page };
}

/** Problems of one order the client got 201 for: [lost, doubled, other]. */

/** `''` or `:<n>`: the suffix of the order's last charge key at the provider (voided ones before it). */
function liveChargeSuffix(psp: PspStats, id: string): string {
  const prefix = `charge:${id}:`;
  let best = 1;
  for (const key of Object.keys(psp.charges)) {
    const n = key.startsWith(prefix) ? Number(key.slice(prefix.length)) : NaN;
    if (Number.isInteger(n) && n > best) best = n;
  }
  return best === 1 ? '' : `:${best}`;
}

function judge(
  log: OrderLog,
  s: Seen,
  psp: PspStats,
  posts: readonly ReceivedPost[],
): [string[], string[], string[]] {
  const lost: string[] = [];
  const doubled: string[] = [];
  const other: string[] = [];
  const id = log.orderId;
  const tag = `${id} (${log.plan}${log.gaveUp ? `, client gave up at ${log.gaveUp}` : ''})`;
  if (!s.order) return [[`${tag}: answered 201 but GET /orders is 404`], [], []];
  const status = s.order.status;
  const wanted = log.gaveUp ? null : log.plan === 'deliver' ? 'Delivered' : 'Cancelled';
  if (wanted && status !== wanted) lost.push(`${tag}: status ${status}, expected ${wanted}`);
  if (['Packed', 'Rejected'].includes(status)) other.push(`${tag}: stuck in ${status} after quiescence`);
  const cancelled = status === 'Cancelled';
  const payWanted = cancelled ? 'Refunded' : 'Approved';
  if (s.payment?.status !== payWanted)
    lost.push(`${tag}: payment ${s.payment?.status ?? 'none'}, expected ${payWanted}`);
  if (s.payment && s.payment.amount !== log.amount)
    other.push(`${tag}: payment amount ${s.payment.amount}, expected ${log.amount}`);
  const deliveryWanted: Readonly<Record<string, string>> = {
    DeliveryStarted: 'Started',
    Delivered: 'Delivered',
  };
  if (deliveryWanted[status] && s.delivery?.status !== deliveryWanted[status]) {
    lost.push(`${tag}: delivery ${s.delivery?.status ?? 'none'} for order ${status}`);
  }
  if (cancelled && log.steps.includes('pack') && s.delivery?.status !== 'Cancelled') {
    lost.push(`${tag}: cancelled after the delivery started, delivery ${s.delivery?.status ?? 'none'}`);
  }
  if (cancelled && s.delivery && s.delivery.status !== 'Cancelled')
    lost.push(`${tag}: cancelled order, delivery ${s.delivery.status}`);
  // My page equals the actors' states.
  const page = s.page;
  const mine = [status, s.payment?.status ?? null, s.delivery?.status ?? null];
  const shown = page ? [page.orderStatus, page.paymentStatus, page.deliveryStatus] : null;
  if (JSON.stringify(shown) !== JSON.stringify(mine))
    other.push(`${tag}: my page ${JSON.stringify(shown)} != actors ${JSON.stringify(mine)}`);
  // The provider: one live charge (the order's last: charge:<id>, or charge:<id>:<n> after voided
  // ones), approved, this amount; a refund of it iff cancelled.
  const suffix = liveChargeSuffix(psp, id);
  const charge = psp.charges[`charge:${id}${suffix}`];
  if (!charge || charge.status !== 'approved') lost.push(`${tag}: no approved charge at the provider`);
  else if (charge.amount !== log.amount)
    other.push(`${tag}: charged ${charge.amount}, expected ${log.amount}`);
  const refund = psp.refunds[`refund:${id}${suffix}`];
  if (cancelled && !refund) lost.push(`${tag}: cancelled and paid, but no refund at the provider`);
  if (!cancelled && refund) doubled.push(`${tag}: refunded, but the order is ${status}`);
  if (refund && charge && refund.chargeId !== charge.chargeId) other.push(`${tag}: refund of another charge`);
  // The gateway: every expected kind delivered, one messageId per kind, the key is the messageId.
  const kinds = new Set(['OrderPlaced']);
  if (s.delivery) kinds.add('DeliveryStarted');
  if (status === 'Delivered') kinds.add('DeliveryCompleted');
  if (cancelled) kinds.add('OrderCancelled');
  if (s.delivery?.status === 'Cancelled') kinds.add('DeliveryCancelled');
  const mineP = posts.filter((p) => (p.body as Notification | undefined)?.orderId === id);
  for (const k of kinds) {
    const ofKind = mineP.filter((p) => (p.body as Notification).kind === k);
    if (ofKind.length === 0) lost.push(`${tag}: no ${k} message at the gateway`);
    const ids = new Set(ofKind.map((p) => (p.body as Notification).messageId));
    if (ids.size > 1) doubled.push(`${tag}: ${ids.size} messageIds for ${k}`);
    if (ofKind.some((p) => p.idempotencyKey !== (p.body as Notification).messageId))
      other.push(`${tag}: ${k} posted with a key other than its messageId`);
  }
  for (const p of mineP) {
    const k = (p.body as Notification).kind;
    if (!kinds.has(k)) doubled.push(`${tag}: unexpected ${k} message`);
  }
  return [lost, doubled, other];
}

/** Check every order against the observers; orders still converging are re-read until `timeoutMs`. */
export async function verifyOrders(
  http: ChaosHttp,
  logs: readonly OrderLog[],
  psp: () => Promise<PspStats>,
  posts: () => readonly ReceivedPost[],
  timeoutMs: number,
): Promise<Verdict> {
  const deadline = Date.now() + timeoutMs;
  const v = {
    lost: [] as string[],
    doubled: [] as string[],
    other: [] as string[],
    orphanCharges: [] as string[],
    voided: [] as string[],
  };
  // Tallies of the workers below (the Verdict itself is readonly once returned).
  let establishedUnanswered = 0;
  let delivered = 0;
  let cancelled = 0;
  const established = new Set<string>();
  const queue = [...logs];
  const worker = async () => {
    for (let log = queue.shift(); log; log = queue.shift()) {
      for (;;) {
        const s = await look(http, log);
        if (s.order && s.order.status !== 'Rejected') established.add(log.orderId);
        // The client gave up placing it: fine if it never came to exist; if it did (the 201 was
        // lost), it must be as consistent as any other order.
        if (!log.placed && !s.order) break;
        const [lost, doubled, other] = judge(log, s, await psp(), posts());
        if (lost.length + doubled.length + other.length === 0 || Date.now() > deadline) {
          v.lost.push(...lost);
          v.doubled.push(...doubled);
          v.other.push(...other);
          if (!log.placed) establishedUnanswered++;
          if (s.order?.status === 'Delivered') delivered++;
          if (s.order?.status === 'Cancelled' && s.payment?.status === 'Refunded') cancelled++;
          break;
        }
        await pause(500);
      }
    }
  };
  await Promise.all(Array.from({ length: 6 }, worker));
  // No charge without an established order (the books are keyed by charge:<orderId>[:<n>]), but
  // for one the store voided: a charge in doubt that went through for no order, refunded.
  const books = await psp();
  for (const [key, c] of Object.entries(books.charges)) {
    const id = key.replace(/^charge:/, '').replace(/:\d+$/, '');
    const refund = books.refunds[key.replace(/^charge:/, 'refund:')];
    const live = key === `charge:${id}${liveChargeSuffix(books, id)}`;
    if (established.has(id) && live) continue;
    if (refund && refund.chargeId === c.chargeId && !(established.has(id) && live)) {
      v.voided.push(key);
      continue;
    }
    const log = logs.find((l) => l.orderId === id);
    const a = await http.call<{ state: unknown }>(
      'GET',
      `/admin/actors/order/${encodeURIComponent(id)}`,
      ADMIN,
      'verify',
    );
    v.orphanCharges.push(
      `${key} (${c.status}, ${c.amount}, ${c.requests} requests): client ${log ? `gave up at ${log.gaveUp ?? '?'}` : 'unknown'}, order actor ${a.status === 200 ? JSON.stringify(a.body.state) : `answered ${a.status}`}`,
    );
  }
  for (const key of Object.keys(books.refunds)) {
    if (!books.charges[key.replace(/^refund:/, 'charge:')])
      v.doubled.push(`${key}: a refund without a charge`);
  }
  const known = new Set(logs.map((l) => l.orderId));
  for (const p of posts()) {
    const n = p.body as Notification | undefined;
    if (!n || !known.has(n.orderId) || !established.has(n.orderId))
      v.other.push(`a message for an unknown or unestablished order: ${JSON.stringify(p.body)}`);
  }
  return { ...v, establishedUnanswered, delivered, cancelled };
}
