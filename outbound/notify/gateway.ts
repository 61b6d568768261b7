/**
 * The notification gateway (`NOTIFY_URL`, SMS/e-mail webhook), per API.md: `POST {NOTIFY_URL}`
 * with the message as JSON and `Idempotency-Key: <messageId>`, so the gateway can drop repeats of
 * our at-least-once delivery. Failures are retried here with back-off for a few seconds; after
 * that `send` throws and the notifier's durable retry (the mailbox) takes over.
 */
import pRetry from 'p-retry';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { MessageKind } from '../../actors/events.js';
import { OutboundError, isTransient } from '../errors.js';
import { createJsonClient } from '../http-client.js';
import { notificationsCounter, registryOrPrivate } from '../metrics.js';
import type { RetryPolicy } from '../retry.js';

/** One customer message; `messageId` is unique per (order, kind). */
export interface NotificationMessage {
  readonly messageId: string;
  readonly customerId: string;
  readonly orderId: string;
  readonly kind: MessageKind;
  readonly text: string;
}

export interface NotificationGateway {
  /** False for the no-op gateway (no `NOTIFY_URL`): messages are only stored and listed. */
  readonly enabled: boolean;
  /**
   * Deliver one message. Resolves once the gateway answered 2xx; rejects with an OutboundError
   * after the retries are spent, or at once for an answer a retry cannot change (4xx).
   */
  send(message: NotificationMessage): Promise<void>;
  close(): Promise<void>;
}

export interface NotificationGatewayOptions {
  /** `NOTIFY_URL`; null gives the no-op gateway. */
  readonly url: string | null;
  /** Per-attempt timeout. */
  readonly timeoutMs?: number;
  readonly retry?: Partial<RetryPolicy>;
  /** Where `appliance_notifications_total` goes. */
  readonly registry?: Registry;
  readonly logger?: Logger;
}

/** About 200 + 400 + 800 + 1600 ms of back-off: rides over a gateway restart, then hands back. */
export const DEFAULT_NOTIFY_RETRY: RetryPolicy = { retries: 4, minDelayMs: 200, maxDelayMs: 2000, factor: 2 };

/** Statuses worth another try: the gateway is busy or broken now, not refusing the message. */
function isTransientStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

const NOOP_GATEWAY: NotificationGateway = {
  enabled: false,
  send: () => Promise.resolve(),
  close: () => Promise.resolve(),
};

export function createNotificationGateway(options: NotificationGatewayOptions): NotificationGateway {
  // Exported from the start, both outcomes at 0, with or without a gateway (NOTIFY_URL unset): the
  // dashboard and the alerts see the series, and docs/metrics.md holds for every process.
  const posts = notificationsCounter(registryOrPrivate(options.registry));
  posts.inc({ outcome: 'sent' }, 0);
  posts.inc({ outcome: 'failed' }, 0);
  if (options.url === null) return NOOP_GATEWAY;
  const url = new URL(options.url);
  const timeoutMs = options.timeoutMs ?? 5000;
  const policy: RetryPolicy = { ...DEFAULT_NOTIFY_RETRY, ...options.retry };
  const client = createJsonClient();

  async function attempt(message: NotificationMessage): Promise<void> {
    try {
      const res = await client.post(
        url,
        {
          messageId: message.messageId,
          customerId: message.customerId,
          orderId: message.orderId,
          kind: message.kind,
          text: message.text,
        },
        { timeoutMs, headers: { 'idempotency-key': message.messageId } },
      );
      if (res.status < 200 || res.status >= 300) {
        throw new OutboundError(
          'outbound-status',
          `notification gateway answered ${res.status}`,
          isTransientStatus(res.status),
          { status: res.status },
        );
      }
    } catch (err) {
      posts.inc({ outcome: 'failed' });
      throw err;
    }
    posts.inc({ outcome: 'sent' });
  }

  return {
    enabled: true,
    async send(message: NotificationMessage): Promise<void> {
      await pRetry(() => attempt(message), {
        retries: policy.retries,
        minTimeout: policy.minDelayMs,
        maxTimeout: policy.maxDelayMs,
        factor: policy.factor ?? 2,
        randomize: true,
        shouldRetry: ({ error }) => isTransient(error),
        onFailedAttempt: ({ error, attemptNumber, retriesLeft }) =>
          options.logger?.warn(
            { messageId: message.messageId, attemptNumber, retriesLeft, err: error },
            'notification gateway post failed',
          ),
      });
    },
    close(): Promise<void> {
      client.close();
      return Promise.resolve();
    },
  };
}
