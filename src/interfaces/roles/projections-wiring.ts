import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { alarmDeliveryProjection } from '../../application/alarms/alarm-delivery-projection.js';
import { alarmViewProjection } from '../../application/alarms/alarm-view-projection.js';
import type { AlarmSink } from '../../application/ports/alarm-sink.js';
import type { Projection } from '../../application/projections/projection.js';
import { ProjectionRunner } from '../../application/projections/projection-runner.js';
import type { ProjectionsConfig } from '../../infrastructure/config/config-schema.js';
import { RedisAlarmView } from '../../infrastructure/redis/redis-alarm-view.js';
import { RedisDeliveryDeadLetters, RedisSinkSwitch } from '../../infrastructure/redis/redis-delivery-control.js';
import { RedisDeliveryRecords } from '../../infrastructure/redis/redis-delivery-records.js';
import { RedisEventStore } from '../../infrastructure/redis/redis-event-store.js';
import { RedisLease } from '../../infrastructure/redis/redis-lease.js';
import { RedisProjectionCheckpoints } from '../../infrastructure/redis/redis-projection-checkpoints.js';

/** A process-unique lease owner id: host, pid and a random part (a restarted process is a new owner). */
export const newOwnerId = (role: string): string => `${hostname()}:${process.pid}:${role}:${randomUUID().slice(0, 8)}`;

export interface ProjectionHooks {
  readonly onOutcome?: (sink: string, outcome: string) => void;
  readonly onDisabled?: (sink: string, reason: string) => void;
  readonly onRecordFailed?: (sink: string) => void;
  readonly onAdvance?: (projection: string, events: number) => void;
  readonly onOwnership?: (projection: string, owned: boolean) => void;
}

/**
 * Everything the projections role and the `projections` / `delivery` commands share: the Redis adapters, the
 * projections (alarm-view, one alarm-delivery per sink) and a runner factory. `keyPrefix` ends with ':'.
 */
export function wireProjections(redis: Redis, keyPrefix: string, config: ProjectionsConfig, sinks: readonly AlarmSink[], log: Logger, hooks: ProjectionHooks = {}) {
  const store = new RedisEventStore(redis, { keyPrefix });
  const checkpoints = new RedisProjectionCheckpoints(redis, { keyPrefix });
  const lease = new RedisLease(redis, { keyPrefix });
  const view = new RedisAlarmView(redis, { keyPrefix, scanBudget: config.scanBudget });
  const deadLetters = new RedisDeliveryDeadLetters(redis, { keyPrefix });
  const sinkSwitch = new RedisSinkSwitch(redis, { keyPrefix });
  const records = deliveryRecordsOf(redis, keyPrefix, config);
  const plog = log.child({ module: 'projections' });
  const projections: Projection[] = [
    alarmViewProjection(view, (event, problem) =>
      plog.error({ eventId: event.id, stream: event.streamName, problem }, 'alarm event cannot be shown in the alarm view; skipped'),
    ) as Projection,
    ...sinks.map(
      (sink) =>
        alarmDeliveryProjection({
          sink,
          deadLetters,
          sinkSwitch,
          records,
          backoff: { baseMs: config.backoffBaseMs, maxMs: config.backoffMaxMs },
          disabledRecheckMs: config.disabledRecheckMs,
          log: plog,
          ...(hooks.onOutcome ? { onOutcome: hooks.onOutcome } : {}),
          ...(hooks.onDisabled ? { onDisabled: hooks.onDisabled } : {}),
          ...(hooks.onRecordFailed ? { onRecordFailed: hooks.onRecordFailed } : {}),
        }) as Projection,
    ),
  ];
  const runner = (projection: Projection, owner: string): ProjectionRunner =>
    new ProjectionRunner({
      projection,
      store,
      checkpoints,
      lease,
      owner,
      log: plog,
      pageSize: config.pageSize,
      leaseTtlMs: config.leaseTtlMs,
      renewEveryMs: config.renewEveryMs,
      acquireRetryMs: config.acquireRetryMs,
      idleMs: config.idleMs,
      onAdvance: (events) => hooks.onAdvance?.(projection.name, events),
      onOwnership: (owned) => hooks.onOwnership?.(projection.name, owned),
    });
  return { store, checkpoints, lease, view, deadLetters, sinkSwitch, records, projections, runner };
}

/** The per-alarm delivery records, as the delivery projections write them and the API reads them. */
export const deliveryRecordsOf = (redis: Redis, keyPrefix: string, config: Pick<ProjectionsConfig, 'deliveryRecordsPerAlarm' | 'deliveryRecordsTtlDays'>): RedisDeliveryRecords =>
  new RedisDeliveryRecords(redis, { keyPrefix, maxPerAlarm: config.deliveryRecordsPerAlarm, ttlMs: config.deliveryRecordsTtlDays * 86_400_000 });

export type ProjectionsWiring = ReturnType<typeof wireProjections>;
