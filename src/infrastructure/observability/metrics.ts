import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Every Prometheus metric the bridge exports, in one registry served at /metrics. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const m = {
    registry,
    linesDecoded: new Counter({ name: 'aiops_ingest_lines_total', help: 'Telegraf lines (JSON: metrics) decoded well-formed', registers: [registry] }),
    pointsAccepted: new Counter({ name: 'aiops_ingest_points_accepted_total', help: 'Points that passed the allowlist', registers: [registry] }),
    pointsDropped: new Counter({
      name: 'aiops_ingest_points_dropped_total',
      help: 'Points not forwarded, by reason',
      labelNames: ['reason'],
      registers: [registry],
    }),
    badLines: new Counter({ name: 'aiops_ingest_bad_lines_total', help: 'Lines that failed to decode, by reason', labelNames: ['reason'], registers: [registry] }),
    quarantineSkipped: new Counter({
      name: 'aiops_quarantine_skipped_total',
      help: 'Bad lines and refused points counted but not written to the quarantine (over ingest.quarantinePerSecond)',
      registers: [registry],
    }),
    pointsForwarded: new Counter({ name: 'aiops_forward_points_total', help: 'Points the engine accepted', registers: [registry] }),
    deadLetters: new Counter({ name: 'aiops_forward_dead_letters_total', help: 'Batches that exhausted their attempts', registers: [registry] }),
    backlog: new Gauge({ name: 'aiops_forward_backlog_batches', help: 'Batches waiting in the forward queue', registers: [registry] }),
    ingestPaused: new Gauge({ name: 'aiops_ingest_paused', help: '1 while Kafka consumption is paused by backpressure', registers: [registry] }),
    consumerLag: new Gauge({ name: 'aiops_kafka_consumer_lag', help: 'Messages behind the end of each partition (committed)', labelNames: ['topic', 'partition'], registers: [registry] }),
    engineRejectsUs: new Gauge({ name: 'aiops_engine_rejects_us', help: '1 while the breaker is open because the engine refuses our calls (credentials, gateway)', registers: [registry] }),
    deadLettersFull: new Gauge({ name: 'aiops_forward_dead_letters_full', help: '1 while the dead-letter set is at forward.deadLetterCap (ingest paused)', registers: [registry] }),
    queueDurable: new Gauge({ name: 'aiops_queue_durable', help: '1 when an acknowledged enqueue is known to survive a Redis crash (redis.queueDurability)', registers: [registry] }),
    breakerState: new Gauge({ name: 'aiops_engine_breaker_state', help: '0 closed, 1 half-open, 2 open', registers: [registry] }),
    allowlistVersion: new Gauge({ name: 'aiops_allowlist_info', help: 'Active allowlist version (label) and its entry count', labelNames: ['version', 'origin'], registers: [registry] }),
    allowlistRejected: new Counter({ name: 'aiops_allowlist_rejected_total', help: 'Allowlist versions rejected as invalid', registers: [registry] }),
    alarmPolls: new Counter({ name: 'aiops_alarm_polls_total', help: 'Alarm polls run by this replica, by outcome (complete, incomplete, failed)', labelNames: ['outcome'], registers: [registry] }),
    alarmPollDuration: new Histogram({
      name: 'aiops_alarm_poll_duration_seconds',
      help: 'Duration of one alarm poll (engine reads, reconcile, event appends)',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    alarmPollPages: new Counter({ name: 'aiops_alarm_poll_pages_total', help: 'Engine alarm-list pages requested by polls (current + history)', registers: [registry] }),
    alarmPollDrift: new Counter({ name: 'aiops_alarm_poll_drift_total', help: 'Signs of alarms appearing/disappearing mid-read of the current list', registers: [registry] }),
    alarmsFiring: new Gauge({ name: 'aiops_alarms_firing', help: 'Alarms in the last current-alarm snapshot', registers: [registry] }),
    alarmEvents: new Counter({ name: 'aiops_alarm_events_total', help: 'Alarm events appended by polls, by type', labelNames: ['type'], registers: [registry] }),
    eventStoreAppend: new Histogram({
      name: 'aiops_event_store_append_seconds',
      help: 'Event-store appends (one Lua script each) by outcome: ok, conflict (expected version), error',
      labelNames: ['outcome'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    alarmCommandFailures: new Counter({ name: 'aiops_alarm_command_failures_total', help: 'Alarm commands that failed (retried next poll)', registers: [registry] }),
  };
  return m;
}

export type BridgeMetrics = ReturnType<typeof createMetrics>;
