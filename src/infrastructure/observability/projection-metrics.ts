import { Counter, Gauge, type Registry } from 'prom-client';

/** Metrics of the projections role, registered in the bridge's one registry. */
export function createProjectionMetrics(registry: Registry) {
  const registers = [registry];
  return {
    owner: new Gauge({ name: 'aiops_projection_owner', help: '1 while this replica holds the projection lease', labelNames: ['projection'], registers }),
    events: new Counter({ name: 'aiops_projection_events_total', help: 'Log events a projection handled and checkpointed', labelNames: ['projection'], registers }),
    lagEvents: new Gauge({ name: 'aiops_projection_lag_events', help: 'Events in the log after the checkpoint (counted up to 1,000; reported by the owner)', labelNames: ['projection'], registers }),
    lagSeconds: new Gauge({ name: 'aiops_projection_lag_seconds', help: 'Age of the oldest event not yet handled (undelivered, for deliveries)', labelNames: ['projection'], registers }),
    deliveries: new Counter({ name: 'aiops_delivery_outcomes_total', help: 'Delivery attempts by sink and outcome', labelNames: ['sink', 'outcome'], registers }),
    sinkDisabled: new Gauge({ name: 'aiops_delivery_sink_disabled', help: '1 while a sink is disabled (it answered 410 Gone)', labelNames: ['sink'], registers }),
    recordFailures: new Counter({ name: 'aiops_delivery_record_failures_total', help: 'Pages of delivery records (the alarm timeline) that could not be written; the deliveries went on', labelNames: ['sink'], registers }),
    deadLetters: new Gauge({ name: 'aiops_delivery_dead_letters', help: 'Events in the delivery dead letters, per sink', labelNames: ['sink'], registers }),
    alertmanagerRefresh: new Counter({ name: 'aiops_alertmanager_refresh_total', help: 'Alertmanager lease refreshes by outcome', labelNames: ['outcome'], registers }),
  };
}

export type ProjectionMetrics = ReturnType<typeof createProjectionMetrics>;
