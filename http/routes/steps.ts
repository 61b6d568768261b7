import type { Context } from 'koa';
import { InvalidTransitionError, NotCancellableError, NotFoundError } from '../errors.js';
import type { StepOutcome } from '../ports.js';

/** Whose status a step's outcome tells: the order's, its store order's or its delivery's. */
export type StepSubject = 'order' | 'store order' | 'delivery';

/** Answer a step on an order (cancel, accept, pack, complete): 202 or the matching problem. */
export function answerStep(ctx: Context, subject: StepSubject, orderId: string, outcome: StepOutcome): void {
  const what = subject === 'order' ? `order ${orderId}` : `the ${subject} of order ${orderId}`;
  switch (outcome.kind) {
    case 'ok':
      ctx.status = 202;
      ctx.body = { orderId, status: outcome.status };
      return;
    case 'not-found':
      throw new NotFoundError(`no ${subject} for order ${orderId}`);
    case 'not-cancellable':
      throw new NotCancellableError(`${what} is ${outcome.status} and can no longer be cancelled`);
    case 'invalid-transition':
      throw new InvalidTransitionError(`${what} is ${outcome.status}; this step is not possible now`);
    default: {
      const never: never = outcome;
      throw new Error(`unknown step outcome ${JSON.stringify(never)}`);
    }
  }
}
