import type { Logger } from 'pino';
import { messageFor, messageId, TerminalError, untoldEvents, type DomainEvent } from '../actors/index.js';
import type { Subscriber } from '../streams/index.js';
import type { ReadModels } from '../views/port.js';
import { OutboundError, type NotificationGateway } from '../outbound/index.js';
import { decodeDomainEvent } from './events.js';

/** Gateway answers that refuse the message itself: bad request, conflict, gone, too large, invalid. */
const REFUSED_MESSAGE: ReadonlySet<number> = new Set([400, 409, 410, 413, 422]);

/** The projector: my page and the store board follow every domain event (versioned, idempotent). */
export function projector(views: ReadModels): Subscriber<DomainEvent> {
  return {
    name: 'projector',
    decode: decodeDomainEvent,
    handle: (event) => views.apply(event),
  };
}

/**
 * The notifier: one customer message per (order, kind), stored for `GET /messages` and posted to
 * the notification gateway with `Idempotency-Key: <messageId>`. A failing gateway makes the
 * handler throw, so the runtime retries the event with back-off (for as long as it takes); a
 * message the gateway refuses as invalid (400, 409, 410, 413, 422) goes to the dead letters.
 */
export function notifier(
  views: ReadModels,
  gateway: NotificationGateway,
  log: Logger,
): Subscriber<DomainEvent> {
  return {
    name: 'notifier',
    // Three of an order's four events while it is placed: read, acknowledged and skipped in Redis.
    ignores: untoldEvents,
    decode: decodeDomainEvent,
    async handle(event) {
      const m = messageFor(event);
      if (!m) return;
      const message = {
        messageId: messageId(event.data.orderId, m.kind),
        customerId: event.data.customerId,
        orderId: event.data.orderId,
        kind: m.kind,
        text: m.text,
        createdAt: new Date(event.data.at).toISOString(),
      };
      await views.addMessage(message);
      if (gateway.enabled) {
        await gateway
          .send({
            messageId: message.messageId,
            customerId: message.customerId,
            orderId: message.orderId,
            kind: message.kind,
            text: message.text,
          })
          .catch((err: unknown) => {
            // The gateway refused this message itself (it is invalid, not the gateway unreachable,
            // misconfigured or unauthorized): retrying it would hold its partition forever. It goes
            // to the dead letters, replayable once fixed. Anything else is retried, never dropped.
            if (err instanceof OutboundError && err.status !== null && REFUSED_MESSAGE.has(err.status)) {
              throw new TerminalError(
                `the notification gateway refused ${message.messageId}: ${err.message}`,
                {
                  cause: err,
                },
              );
            }
            throw err;
          });
        log.debug({ messageId: message.messageId, kind: m.kind }, 'notification sent');
      }
    },
  };
}
