/**
 * The outbound metrics (names from docs/metrics.md), created on the registry the process passes
 * in. Several providers may share one registry (the embedded process builds the edge and the
 * payment worker side by side), so each metric is created once and then reused.
 */
import { Counter, Gauge, Registry } from 'prom-client';

function counter<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly L[],
): Counter<L> {
  const existing = registry.getSingleMetric(name);
  if (existing instanceof Counter) return existing;
  if (existing) throw new Error(`metric ${name} is already registered with another kind`);
  return new Counter({ name, help, labelNames, registers: [registry] });
}

function gauge<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly L[],
): Gauge<L> {
  const existing = registry.getSingleMetric(name);
  if (existing instanceof Gauge) return existing;
  if (existing) throw new Error(`metric ${name} is already registered with another kind`);
  return new Gauge({ name, help, labelNames, registers: [registry] });
}

/** `appliance_circuit_state{name}`: 0 closed, 1 half-open, 2 open. */
export function circuitStateGauge(registry: Registry): Gauge<'name'> {
  return gauge(registry, 'appliance_circuit_state', 'Circuit breaker state: 0 closed, 1 half-open, 2 open', [
    'name',
  ]);
}

/** Outcomes of a payment call as counted by `appliance_payment_calls_total`. */
export type PaymentCallOutcome = 'approved' | 'declined' | 'succeeded' | 'unavailable' | 'rejected';

/** `appliance_payment_calls_total{operation,outcome}`; `rejected` = answered by the open circuit. */
export function paymentCallsCounter(registry: Registry): Counter<'operation' | 'outcome'> {
  return counter(
    registry,
    'appliance_payment_calls_total',
    'Payment provider calls by operation and outcome',
    ['operation', 'outcome'],
  );
}

/** `appliance_notifications_total{outcome}`: one per POST to the gateway, `sent` or `failed`. */
export function notificationsCounter(registry: Registry): Counter<'outcome'> {
  return counter(registry, 'appliance_notifications_total', 'Notification gateway posts by outcome', [
    'outcome',
  ]);
}

/** Where metrics go when the caller passes no registry: a private one nobody scrapes. */
export function registryOrPrivate(registry: Registry | undefined): Registry {
  return registry ?? new Registry();
}
