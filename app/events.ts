import { TerminalError, eventSource, type DomainEvent } from '../actors/index.js';
import type { Message } from '../streams/index.js';

/** Decode an event-stream message into a DomainEvent (what does not parse is dead-lettered). */
export function decodeDomainEvent(msg: Message): DomainEvent {
  if (!Object.prototype.hasOwnProperty.call(eventSource, msg.type)) {
    throw new TerminalError(`unknown domain event type '${msg.type}'`);
  }
  const d = msg.data as Record<string, unknown> | null;
  if (
    typeof d !== 'object' ||
    d === null ||
    typeof d.orderId !== 'string' ||
    typeof d.customerId !== 'string' ||
    typeof d.version !== 'number' ||
    typeof d.at !== 'number'
  ) {
    throw new TerminalError(`domain event '${msg.type}' lacks orderId, customerId, version or at`);
  }
  return msg as DomainEvent;
}
