/**
 * The store's outbound HTTP integrations: the payment provider (HTTP or the built-in simulator,
 * both behind one circuit breaker) and the notification gateway.
 */
export type {
  ChargeRequest,
  ChargeResult,
  PaymentProvider,
  ProviderUnavailable,
  RefundRequest,
  RefundResult,
} from './payment/port.js';
export {
  DEFAULT_PAYMENT_RETRY,
  guardPaymentCalls,
  type GuardedPaymentProvider,
  type PaymentGuardOptions,
  type RawPaymentCalls,
} from './payment/guard.js';
export { createHttpPaymentProvider, type HttpPaymentProviderOptions } from './payment/http-provider.js';
export {
  createPaymentSimulator,
  type PaymentSimulator,
  type PaymentSimulatorOptions,
  type SimulatorMode,
} from './payment/simulator.js';
export { startPspServer, type PspMode, type PspServer, type PspStats } from './payment/psp-server.js';
export { DECLINED_TOKEN, PaymentLedger, type LedgerSnapshot } from './payment/ledger.js';
export {
  DEFAULT_LEDGER_RETENTION_MS,
  RedisPaymentLedger,
  ledgerKeys,
  type RedisLedgerOptions,
} from './payment/redis-ledger.js';
export {
  DEFAULT_NOTIFY_RETRY,
  createNotificationGateway,
  type NotificationGateway,
  type NotificationGatewayOptions,
  type NotificationMessage,
} from './notify/gateway.js';
export {
  DEFAULT_BREAKER_OPTIONS,
  createBreaker,
  type Breaker,
  type BreakerOptions,
  type BreakerState,
} from './breaker.js';
export { OutboundError, isTransient, type OutboundErrorCode } from './errors.js';
export type { RetryPolicy } from './retry.js';
