/**
 * The payment provider over HTTP (`PSP_URL`), per API.md "Outbound calls": `POST /charges` and
 * `POST /refunds`, 201 with a JSON body is the only answer that counts; any other status, a
 * timeout or a refused connection makes the provider unavailable for this call.
 */
import { z } from 'zod';
import { OutboundError } from '../errors.js';
import { createJsonClient, joinUrl, type JsonResponse } from '../http-client.js';
import { guardPaymentCalls, type GuardedPaymentProvider, type PaymentGuardOptions } from './guard.js';
import type { ChargeDecision, RefundDone } from './port.js';

// Decoders accept extra fields: a provider adding one must not take the store down.
const ChargeResponse = z.object({ chargeId: z.string().min(1), status: z.enum(['approved', 'declined']) });
const RefundResponse = z.object({ refundId: z.string().min(1), status: z.literal('succeeded') });

export interface HttpPaymentProviderOptions extends PaymentGuardOptions {
  /** `PSP_URL`; a path is kept (`http://psp/v1` posts to `http://psp/v1/charges`). */
  readonly baseUrl: string;
}

/** 5xx and 408 may pass on a second try; other statuses will not (our request or their rules). */
function isTransientStatus(status: number): boolean {
  return status >= 500 || status === 408;
}

function expect201<T>(res: JsonResponse, what: string, decode: (body: unknown) => T | null): T {
  if (res.status !== 201) {
    throw new OutboundError(
      'outbound-status',
      `${what} answered ${res.status}`,
      isTransientStatus(res.status),
      {
        status: res.status,
      },
    );
  }
  const decoded = decode(res.body);
  if (decoded === null) {
    throw new OutboundError('outbound-bad-response', `${what} answered 201 with an unexpected body`, false, {
      status: res.status,
    });
  }
  return decoded;
}

/**
 * A guarded PaymentProvider calling the PSP over keep-alive HTTP. `charge`/`refund` always
 * resolve; `close()` stops the breaker and destroys pooled sockets.
 */
export function createHttpPaymentProvider(options: HttpPaymentProviderOptions): GuardedPaymentProvider {
  const client = createJsonClient();
  const chargesUrl = joinUrl(options.baseUrl, 'charges');
  const refundsUrl = joinUrl(options.baseUrl, 'refunds');
  return guardPaymentCalls(
    {
      async charge(request, { timeoutMs }): Promise<ChargeDecision> {
        const res = await client.post(
          chargesUrl,
          {
            idempotencyKey: request.idempotencyKey,
            amount: request.amount,
            currency: request.currency,
            token: request.token,
          },
          { timeoutMs },
        );
        return expect201(res, 'POST /charges', (body) => {
          const parsed = ChargeResponse.safeParse(body);
          if (!parsed.success) return null;
          return parsed.data.status === 'approved'
            ? { status: 'approved', chargeId: parsed.data.chargeId }
            : { status: 'declined' };
        });
      },
      async refund(request, { timeoutMs }): Promise<RefundDone> {
        const res = await client.post(
          refundsUrl,
          { idempotencyKey: request.idempotencyKey, chargeId: request.chargeId, amount: request.amount },
          { timeoutMs },
        );
        return expect201(res, 'POST /refunds', (body) => {
          const parsed = RefundResponse.safeParse(body);
          return parsed.success ? { status: 'succeeded', refundId: parsed.data.refundId } : null;
        });
      },
    },
    options,
    () => {
      client.close();
      return Promise.resolve();
    },
  );
}
