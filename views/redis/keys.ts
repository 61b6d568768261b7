/**
 * Every Redis key of the read models. A customer's my-page documents, index and messages share
 * one hash tag (`{c:<customerId>}`), and the whole store board shares `{board}`, so each Lua
 * script touches keys of a single slot on Redis Cluster. The board's single slot is a hot spot
 * by design: it is small (one entry per open store order) and written only by the projector.
 */
import type { StoreOrderStatus } from '../../actors/events.js';

export interface ReadModelKeys {
  myPage(customerId: string, orderId: string): string;
  myPages(customerId: string): string;
  message(customerId: string, messageId: string): string;
  messages(customerId: string): string;
  boardItem(orderId: string): string;
  boardAll(): string;
  boardStatus(status: StoreOrderStatus): string;
}

export function readModelKeys(prefix: string): ReadModelKeys {
  const c = (customerId: string): string => `${prefix}:rm:{c:${customerId}}`;
  const b = `${prefix}:rm:{board}`;
  return {
    myPage: (customerId, orderId) => `${c(customerId)}:mypage:${orderId}`,
    myPages: (customerId) => `${c(customerId)}:mypages`,
    message: (customerId, messageId) => `${c(customerId)}:msg:${messageId}`,
    messages: (customerId) => `${c(customerId)}:msgs`,
    boardItem: (orderId) => `${b}:order:${orderId}`,
    boardAll: () => `${b}:all`,
    boardStatus: (status) => `${b}:status:${status}`,
  };
}
