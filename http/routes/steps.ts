import type { Context } from 'koa';
import { InvalidTransitionError, NotCancellableError, NotFoundError } from '../errors.js';
import type { StepOutcome } from '../ports.js';

/** Answer a step on an order (cancel, accept, pack, complete): 202 or the matching problem. */
export function answerStep(ctx: Context, orderId: string, outcome: StepOutcome): void {
  switch (outcome.kind) {
    case 'ok':
      ctx.status = 202;
      ctx.body = { orderId, status: outcome.status };
      return;
    case 'not-found':
      throw new NotFoundError(`no order ${orderId}`);
    case 'not-cancellable':
      throw new NotCancellableError(`order ${orderId} is ${outcome.status} and can no longer be cancelled`);
    case 'invalid-transition':
      throw new InvalidTransitionError(
        `order ${orderId} is ${outcome.status}; this step is not possible now`,
      );
    default: {
      const never: never = outcome;
      throw new Error(`unknown step outcome ${JSON.stringify(never)}`);
    }
  }
}
