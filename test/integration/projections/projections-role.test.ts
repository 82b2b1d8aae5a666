import 'reflect-metadata';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { deliveryProjectionName } from '../../../src/application/alarms/alarm-delivery-projection.js';
import { AlertmanagerAlarmSink } from '../../../src/infrastructure/alarm-sinks/alertmanager-alarm-sink.js';
import { ProjectionsConfig } from '../../../src/infrastructure/config/config-schema.js';
import { RedisAlarmView } from '../../../src/infrastructure/redis/redis-alarm-view.js';
import { RedisDeliveryRecords } from '../../../src/infrastructure/redis/redis-delivery-records.js';
import { RedisEventStore } from '../../../src/infrastructure/redis/redis-event-store.js';
import { RedisLease } from '../../../src/infrastructure/redis/redis-lease.js';
import { startProjectionsRole } from '../../../src/interfaces/roles/projections-role.js';
import { alarm, appendAlarm, raised, resolved, until } from '../../support/alarm-fixtures.js';
import { useRedisPrefixes } from '../../support/redis-test.js';
import { services, uniqueSuffix } from '../../support/services.js';
import { listSink, readDeliveries } from './list-sink.js';

const log = pino({ level: 'silent' });
const redisKeys = useRedisPrefixes('projections-role');

interface GettableAlert {
  labels: Record<string, string>;
  endsAt: string;
  status: { state: string };
}
const alertsFor = async (alarmId: string): Promise<GettableAlert[]> => {
  const res = await fetch(`${services.alertmanagerUrl}/api/v2/alerts?filter=${encodeURIComponent(`alarm_id="${alarmId}"`)}`);
  return (await res.json()) as GettableAlert[];
};

describe('the projections role with a test sink and Alertmanager', () => {
  it('builds the view, delivers to both sinks, keeps the Alertmanager lease alive every poll interval, and gives its leases back on stop', async () => {
    const prefix = redisKeys.newPrefix();
    const redis = redisKeys.redis;
    const store = new RedisEventStore(redis, { keyPrefix: prefix });
    const pollIntervalMs = 1_000;
    const am = new AlertmanagerAlarmSink({ url: services.alertmanagerUrl, leaseMs: 3 * pollIntervalMs, timeoutMs: 5_000 });
    const test = listSink(redis, `${prefix}delivered`, 'role');
    const config = Object.assign(new ProjectionsConfig(), { idleMs: 50, lagCheckMs: 500 });
    const registry = new Registry();
    const stop = startProjectionsRole({ redis, keyPrefix: prefix, config, pollIntervalMs, sinks: { all: [test, am], alertmanager: am }, log, registry });
    let stopped = false;
    try {
      const a = alarm({ id: `role-${uniqueSuffix()}`, startsAt: new Date().toISOString() });
      await appendAlarm(store, [raised(a)]);
      await until(async () => (await alertsFor(a.id)).some((x) => x.status.state === 'active'), 10_000, 'the alert in Alertmanager');
      const firstEnd = Date.parse((await alertsFor(a.id))[0]?.endsAt ?? '');
      // Past the first lease (3 s): only the refresh keeps it active.
      await new Promise((r) => setTimeout(r, 4_500));
      const later = await alertsFor(a.id);
      expect(later[0]?.status.state).toBe('active');
      expect(Date.parse(later[0]?.endsAt ?? '')).toBeGreaterThan(firstEnd);

      const view = new RedisAlarmView(redis, { keyPrefix: prefix });
      expect((await view.get(a.id))?.alarm.status).toBe('firing');
      await appendAlarm(store, [resolved(a, new Date().toISOString())]);
      await until(async () => (await alertsFor(a.id)).length === 0, 10_000, 'the alert resolved in Alertmanager');
      await until(async () => (await view.get(a.id))?.alarm.status === 'resolved', 5_000, 'the view resolved');
      expect((await readDeliveries(redis, `${prefix}delivered`)).map((d) => d.version)).toEqual([1, 2]);
      // Each sink's outcome per event, on the alarm's timeline (written by the role's own wiring, real Redis).
      const records = new RedisDeliveryRecords(redis, { keyPrefix: prefix, maxPerAlarm: 200, ttlMs: 0 });
      await until(async () => (await records.forAlarm(a.id)).length === 4, 5_000, 'four delivery records');
      const timeline = await records.forAlarm(a.id);
      expect(timeline.map((r) => `${r.sink} v${r.eventVersion} ${r.outcome}`).sort()).toEqual(['alertmanager v1 delivered', 'alertmanager v2 delivered', 'test v1 delivered', 'test v2 delivered']);
      expect(await redis.pttl(`${prefix}delivery-records:${a.id}`)).toBeGreaterThan(29 * 86_400_000);
      await new Promise((r) => setTimeout(r, 700)); // one lag check
      const metrics = await registry.metrics();
      expect(metrics).toContain('aiops_projection_owner{projection="alarm-view"} 1');
      expect(metrics).toContain('aiops_delivery_outcomes_total{sink="alertmanager",outcome="delivered"} 2');
      expect(metrics).toContain('aiops_projection_lag_events{projection="alarm-delivery:test"} 0');
      await stop();
      stopped = true;
      const lease = new RedisLease(redis, { keyPrefix: prefix });
      expect(await lease.holder(deliveryProjectionName('alertmanager'))).toBeNull();
      expect(await lease.holder('alarm-view')).toBeNull();
    } finally {
      if (!stopped) await stop();
    }
  }, 60_000);
});
