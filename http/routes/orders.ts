/**
 * Orders. Roles: POST /orders customer only; GET /orders/{id} the owning customer, staff and
 * admin; cancel the owning customer only (the gateway takes the customer's id). A customer who
 * is not the owner gets 404, exactly like an order that does not exist.
 */
import type { Context } from 'koa';
import { findProduct } from '../../actors/catalogue.js';
import type { RouteDeps } from '../deps.js';
import {
  IdempotencyKeyReusedError,
  NotFoundError,
  OverloadedError,
  PaymentDeclinedError,
  PaymentUnavailableError,
  ValidationError,
  isTimeout,
} from '../errors.js';
import { bodyHash, claimIdempotencyKey, forgetIdempotencyKey, randomOrderId } from '../idempotency.js';
import type { OrderView, PlaceOrderOutcome } from '../ports.js';
import { route, type Route } from '../route.js';
import {
  IdempotencyHeaders,
  Order,
  OrderIdParams,
  PlaceOrderBody,
  PlacedOrder,
  StepAccepted,
} from '../schemas.js';
import { answerStep } from './steps.js';
import { edgeState, type Principal } from '../context.js';

/** Retry-After when the store itself is behind or did not answer in time. */
const RETRY_AFTER_BUSY_SECONDS = 5;

/** The order if `caller` may see it; otherwise 404 (never reveal someone else's order). */
export async function visibleOrder(deps: RouteDeps, caller: Principal, orderId: string): Promise<OrderView> {
  const order = await deps.gateway.getOrder(orderId);
  if (!order || (caller.role === 'customer' && order.customerId !== caller.sub)) {
    throw new NotFoundError(`no order ${orderId}`);
  }
  return order;
}

async function place(
  deps: RouteDeps,
  cmd: Parameters<RouteDeps['gateway']['placeOrder']>[0],
  deadlineAt: number | undefined,
): Promise<PlaceOrderOutcome> {
  try {
    // A placing the order did not answer in time is given up, and answered "not placed" (503
    // payment-unavailable: nothing is charged, a late charge is refunded), unless it was placed.
    return await deps.gateway.placeOrder(cmd, deadlineAt);
  } catch (err) {
    if (!isTimeout(err)) throw err;
    // Not even that was answered (the order role down or stalled): the outcome is unknown. Not
    // `payment-unavailable`, which promises that nothing was charged. A retry with the same
    // Idempotency-Key gets the real outcome.
    deps.metrics.ordersPlaced.inc({ outcome: 'timeout' });
    throw new OverloadedError(
      RETRY_AFTER_BUSY_SECONDS,
      `the store did not answer in time; order ${cmd.orderId} may still be placed: ` +
        'retry with the same Idempotency-Key to get its outcome',
    );
  }
}

function answerPlaced(ctx: Context, deps: RouteDeps, outcome: PlaceOrderOutcome, orderId: string): void {
  deps.metrics.ordersPlaced.inc({ outcome: outcome.kind });
  switch (outcome.kind) {
    case 'placed': {
      const o = outcome.order;
      ctx.status = 201;
      ctx.set('Location', `/orders/${encodeURIComponent(o.orderId)}`);
      ctx.body = {
        orderId: o.orderId,
        status: 'Ordered',
        customerId: o.customerId,
        productId: o.productId,
        quantity: o.quantity,
        amount: o.amount,
        currency: o.currency,
      };
      return;
    }
    case 'declined':
      throw new PaymentDeclinedError(outcome.order.orderId);
    case 'key-reused':
      throw new IdempotencyKeyReusedError(
        `this Idempotency-Key placed order ${orderId} with a different body; use a new key`,
      );
    case 'unavailable':
      throw new PaymentUnavailableError(
        outcome.retryAfterSeconds,
        `the payment system is unavailable; no order ${orderId} was placed and nothing is charged for it ` +
          '(a charge the provider took anyway is refunded), try again shortly',
      );
    default: {
      const never: never = outcome;
      throw new Error(`unknown outcome ${JSON.stringify(never)}`);
    }
  }
}

export function orderRoutes(deps: RouteDeps): Route[] {
  return [
    route({
      method: 'post',
      path: '/orders',
      summary: 'Place an order and pay for it (synchronously)',
      tag: 'orders',
      access: ['customer'],
      body: PlaceOrderBody,
      headers: IdempotencyHeaders,
      responses: {
        201: { description: 'Paid and placed', schema: PlacedOrder, headers: { Location: 'the order' } },
      },
      problems: [402, 422, 503],
      async handle(ctx, { body, headers, caller }) {
        const product = findProduct(body.productId);
        if (!product) {
          const path = 'body.productId';
          throw new ValidationError(`${path}: unknown product`, [{ path, message: 'unknown product' }]);
        }
        const key = headers['idempotency-key'];
        const keyed = key ? { key, hash: bodyHash(body) } : null;
        const claim = keyed
          ? await claimIdempotencyKey(deps.redis, deps.keyPrefix, caller.sub, keyed.key, keyed.hash)
          : { orderId: randomOrderId(), replay: false };
        const { orderId } = claim;
        const answer = async (outcome: PlaceOrderOutcome): Promise<void> => {
          // The key's order was placed with another body (its record had expired, or a wrong-body
          // claim's answer was lost): the claim this request made or found is dropped.
          if (outcome.kind === 'key-reused' && keyed) {
            await forgetIdempotencyKey(deps.redis, deps.keyPrefix, caller.sub, keyed.key, keyed.hash);
          }
          answerPlaced(ctx, deps, outcome, orderId);
        };
        if (claim.replay && keyed) {
          // A replay of an order that exists (paid or declined) is answered from its committed
          // state, also while new orders are shed or the order actors are slow: the retry that a
          // 503 asks for gets the order's real outcome. (A first claim has no order to look up.)
          const replayed = await deps.gateway.replayOrder(orderId, caller.sub, keyed.hash);
          if (replayed) return answer(replayed);
        }
        const backlog = await deps.orderBacklog();
        if (backlog > deps.config.overloadLag) {
          deps.metrics.ordersPlaced.inc({ outcome: 'overloaded' });
          throw new OverloadedError(
            RETRY_AFTER_BUSY_SECONDS,
            'the store is taking too many orders; try again shortly',
          );
        }
        await answer(
          await place(
            deps,
            {
              orderId,
              customerId: caller.sub,
              productId: product.id,
              quantity: body.quantity,
              amount: product.price * body.quantity,
              currency: product.currency,
              address: body.address,
              paymentToken: body.paymentToken,
              ...(keyed ? { requestHash: keyed.hash } : {}),
            },
            edgeState(ctx).deadlineAt,
          ),
        );
      },
    }),
    route({
      method: 'get',
      path: '/orders/:orderId',
      summary: 'An order and its status',
      tag: 'orders',
      access: ['customer', 'staff', 'admin'],
      params: OrderIdParams,
      responses: { 200: { description: 'The order', schema: Order } },
      problems: [404],
      async handle(ctx, { params, caller }) {
        ctx.body = await visibleOrder(deps, caller, params.orderId);
      },
    }),
    route({
      method: 'post',
      path: '/orders/:orderId/cancel',
      summary: 'Cancel an order (refund, cancel the delivery)',
      tag: 'orders',
      access: ['customer'],
      params: OrderIdParams,
      responses: { 202: { description: 'The cancellation runs to its end', schema: StepAccepted } },
      problems: [404, 409, 503],
      async handle(ctx, { params, caller }) {
        await visibleOrder(deps, caller, params.orderId);
        answerStep(ctx, 'order', params.orderId, await deps.gateway.cancelOrder(params.orderId, caller.sub));
      },
    }),
  ];
}
