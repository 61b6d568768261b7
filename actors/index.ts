/** The domain: the store's actors, their ports, views and texts. Imports no runtime, does no I/O. */
export { ACTOR_TYPES, sendTo, type ActorType, type Mailboxes } from './mailboxes.js';
export { TerminalError, isTerminal } from './errors.js';
export {
  behaviorFrom,
  fold,
  type ActorBehavior,
  type ActorContext,
  type Address,
  type Decider,
  type Decision,
  type DomainEventBody,
  type Handled,
  type Message,
  type Policy,
  type ReplyAddress,
  type Send,
  type Stamped,
  type Versioned,
} from './kernel.js';
export type { StepOutcome } from './outcomes.js';
export * from './events.js';

// Order
export { orderBehavior, orderPolicy } from './order/behavior.js';
export { orderDecider, type OrderReply } from './order/decider.js';
export { decodeOrderCommand, type OrderCommand, type PlaceOrderData } from './order/messages.js';
export type { OrderState } from './order/state.js';
export { orderView, replayAnswer, type OrderView, type PlaceOrderOutcome } from './order/view.js';

// Payment
export { createPaymentBehavior, paymentPolicy } from './payment/behavior.js';
export { paymentDecider } from './payment/decider.js';
export { decodePaymentCommand, type PaymentCommand } from './payment/messages.js';
export type { ChargeResult, PaymentProvider, RefundResult } from './payment/provider.js';
export { refundRetryDelayMs, type PaymentState } from './payment/state.js';
export { paymentView, type PaymentView } from './payment/view.js';

// Store (OrderManagement)
export { storeBehavior, storePolicy } from './store/behavior.js';
export { storeDecider } from './store/decider.js';
export { decodeStoreCommand, type StoreCommand } from './store/messages.js';
export type { StoreState } from './store/state.js';
export { storeOrderView, type StoreOrderView } from './store/view.js';

// Delivery
export { createDeliveryBehavior, deliveryPolicy } from './delivery/behavior.js';
export { deliveryDecider } from './delivery/decider.js';
export { decodeDeliveryCommand, type DeliveryCommand } from './delivery/messages.js';
export { roundRobinRoster, type CourierRoster } from './delivery/roster.js';
export type { DeliveryState } from './delivery/state.js';
export { deliveryView, type DeliveryView } from './delivery/view.js';

// Catalogue and customer messages
export { CATALOGUE, findProduct, type Product } from './catalogue.js';
export { formatMoney, messageFor, messageId, untoldEvents } from './message/texts.js';
