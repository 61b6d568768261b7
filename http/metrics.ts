import { Counter, Histogram, type Registry } from 'prom-client';

/** The edge's metrics (docs/metrics.md), registered once per registry. */
export interface EdgeMetrics {
  readonly requestDuration: Histogram<'method' | 'route' | 'status'>;
  readonly requests: Counter<'method' | 'route' | 'status'>;
  readonly ordersPlaced: Counter<'outcome'>;
}

export type OrderOutcomeLabel = 'placed' | 'declined' | 'unavailable' | 'overloaded' | 'timeout';

const cache = new WeakMap<Registry, EdgeMetrics>();

/** Get or create the edge metrics on `registry` (two apps on one registry share them). */
export function edgeMetrics(registry: Registry): EdgeMetrics {
  const found = cache.get(registry);
  if (found) return found;
  const metrics: EdgeMetrics = {
    requestDuration: new Histogram({
      name: 'appliance_http_request_duration_seconds',
      help: 'Edge request duration in seconds',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    requests: new Counter({
      name: 'appliance_http_requests_total',
      help: 'Edge requests',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    ordersPlaced: new Counter({
      name: 'appliance_orders_placed_total',
      help: 'POST /orders outcomes',
      labelNames: ['outcome'],
      registers: [registry],
    }),
  };
  cache.set(registry, metrics);
  return metrics;
}
