import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The runtime's metrics (names in docs/metrics.md). `type` is an actor type or subscriber name. */
export function runtimeMetrics(registry: Registry) {
  const gauge = (name: string, help: string, labelNames: readonly string[] = ['type', 'shard']) =>
    new Gauge({ name, help, labelNames: [...labelNames], registers: [registry] });
  const counter = (name: string, help: string) =>
    new Counter({ name, help, labelNames: ['type'], registers: [registry] });
  return {
    length: gauge('appliance_mailbox_length', 'Entries in the shard stream'),
    lag: gauge(
      'appliance_mailbox_lag',
      'Entries not yet handled (undelivered + pending): the autoscaling signal',
    ),
    pending: gauge('appliance_mailbox_pending', 'Entries delivered but not yet acknowledged'),
    oldestPendingAge: gauge(
      'appliance_mailbox_oldest_pending_age_seconds',
      'Age of the oldest pending entry',
    ),
    owned: gauge('appliance_shard_owned', '1 when this process owns the shard'),
    hasOwner: gauge('appliance_shard_has_owner', '1 when some process holds the shard lease'),
    outbox: gauge('appliance_outbox_length', 'Outbox entries not yet relayed'),
    deadLetters: gauge('appliance_dead_letters', 'Entries in the dead-letter streams', ['type']),
    handlerDuration: new Histogram({
      name: 'appliance_handler_duration_seconds',
      help: 'Handler time per message',
      labelNames: ['type'],
      buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers: [registry],
    }),
    commitDuration: new Histogram({
      name: 'appliance_commit_duration_seconds',
      help: 'One atomic commit of a batch',
      labelNames: ['type'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1],
      registers: [registry],
    }),
    handled: counter('appliance_messages_handled_total', 'Messages committed'),
    retried: counter('appliance_messages_retried_total', 'Handler failures that were retried'),
    deadLettered: counter('appliance_messages_dead_lettered_total', 'Messages moved to the dead letters'),
    fenced: counter('appliance_fenced_total', 'Commits refused because another owner took the shard'),
    rebalances: counter('appliance_rebalances_total', 'Shards acquired or released by this process'),
    loopRestarts: counter(
      'appliance_consumer_loop_restarts_total',
      'Blocking reads restarted by the watchdog',
    ),
    stalled: new Gauge({
      name: 'appliance_consumer_stalled',
      help: '1 when a consumer loop stalled and the watchdog gave up',
      registers: [registry],
    }),
    redisUp: new Gauge({ name: 'appliance_redis_up', help: '1 while Redis answers', registers: [registry] }),
  };
}

export type RuntimeMetrics = ReturnType<typeof runtimeMetrics>;
