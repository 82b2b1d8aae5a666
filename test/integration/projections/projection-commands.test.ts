import 'reflect-metadata';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { getAlarmWithHistory } from '../../../src/application/alarms/alarm-with-history.js';
import { alarmViewProjection } from '../../../src/application/alarms/alarm-view-projection.js';
import type { RecordedEvent } from '../../../src/application/ports/event-store.js';
import { ProjectionRunner } from '../../../src/application/projections/projection-runner.js';
import type { AlarmEvent } from '../../../src/domain/alarms/alarm-events.js';
import { loadConfig } from '../../../src/infrastructure/config/load-config.js';
import { RedisAlarmView } from '../../../src/infrastructure/redis/redis-alarm-view.js';
import { RedisDeliveryDeadLetters } from '../../../src/infrastructure/redis/redis-delivery-control.js';
import { RedisEventStore } from '../../../src/infrastructure/redis/redis-event-store.js';
import { RedisLease } from '../../../src/infrastructure/redis/redis-lease.js';
import { RedisProjectionCheckpoints } from '../../../src/infrastructure/redis/redis-projection-checkpoints.js';
import { runProjectionCommand } from '../../../src/interfaces/cli/projections-commands.js';
import { alarm, appendAlarm, appendLifecycles, raised, updated } from '../../support/alarm-fixtures.js';
import { useRedisPrefixes } from '../../support/redis-test.js';
import { services, uniqueSuffix } from '../../support/services.js';

const log = pino({ level: 'silent' });
const redisKeys = useRedisPrefixes('projection-commands');
afterEach(() => vi.restoreAllMocks());

const captured = async (argv: string[], config: ReturnType<typeof loadConfig>, command: 'projections' | 'delivery' = 'projections') => {
  const printed: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((s: string) => void printed.push(s));
  const code = await runProjectionCommand(command, argv, config, log);
  vi.restoreAllMocks();
  return { code, out: JSON.parse(printed.join('\n')) as unknown };
};

function fixture(alertmanager = false) {
  const prefix = redisKeys.newPrefix();
  const redis = redisKeys.redis;
  const config = loadConfig({
    env: {},
    overrides: { redis: { keyPrefix: prefix.slice(0, -1) }, alarms: { sinks: { alertmanager: { enabled: alertmanager, url: services.alertmanagerUrl } } } },
    forTool: true,
  });
  return {
    prefix,
    config,
    store: new RedisEventStore(redis, { keyPrefix: prefix }),
    view: new RedisAlarmView(redis, { keyPrefix: prefix }),
    checkpoints: new RedisProjectionCheckpoints(redis, { keyPrefix: prefix }),
    lease: new RedisLease(redis, { keyPrefix: prefix }),
  };
}

describe('one alarm with its history', () => {
  it('comes from the read model with every event of its stream in order', async () => {
    const f = fixture();
    const a = alarm();
    await appendAlarm(f.store, [raised(a), updated({ ...a, value: 1 }), updated({ ...a, value: 2 })]);
    await new ProjectionRunner({ projection: alarmViewProjection(f.view) as never, store: f.store, checkpoints: f.checkpoints, lease: f.lease, owner: 't', log }).catchUp(10_000);
    const got = await getAlarmWithHistory(f.view, f.store, a.id);
    expect(got?.version).toBe(3);
    expect(got?.alarm.value).toBe(2);
    expect(got?.history.map((e) => [e.type, e.streamVersion])).toEqual([['AlarmRaised', 1], ['AlarmUpdated', 2], ['AlarmUpdated', 3]]);
    expect(await getAlarmWithHistory(f.view, f.store, 'unknown')).toBeNull();
  });
});

describe('projections status', () => {
  it('shows the checkpoint, the owner and how many events are behind', async () => {
    const f = fixture();
    await appendLifecycles(f.store, 4);
    const { code, out } = await captured(['status'], f.config);
    expect(code).toBe(0);
    expect(out).toEqual([expect.objectContaining({ name: 'alarm-view', checkpoint: null, owner: null, behind: 12, behindCapped: false })]);
  });
});

describe('delivery dead letters with Alertmanager enabled', () => {
  it('lists a rejected event and replays it through the real sink, which empties the list', async () => {
    const f = fixture(true);
    const a = alarm({ id: `cli-${uniqueSuffix()}`, startsAt: new Date().toISOString(), lastSeenAt: new Date().toISOString() });
    await appendAlarm(f.store, [raised(a)]);
    const [event] = await f.store.readCategory<AlarmEvent>('alarm', { after: null, maxCount: 1 });
    const deadLetters = new RedisDeliveryDeadLetters(redisKeys.redis, { keyPrefix: f.prefix });
    await deadLetters.add({ sink: 'alertmanager', event: event as RecordedEvent<AlarmEvent>, reason: '400 test', at: new Date().toISOString() });
    const listed = await captured(['dead-letters', 'alertmanager'], f.config, 'delivery');
    expect(listed.out).toEqual([expect.objectContaining({ reason: '400 test', sink: 'alertmanager' })]);
    const replayed = await captured(['replay', 'alertmanager', '--all'], f.config, 'delivery');
    expect(replayed.out).toEqual({ delivered: [event?.id], failed: [] });
    expect(await deadLetters.count('alertmanager')).toBe(0);
    const res = await fetch(`${services.alertmanagerUrl}/api/v2/alerts?filter=${encodeURIComponent(`alarm_id="${a.id}"`)}`);
    expect(((await res.json()) as unknown[]).length).toBe(1);
  });

  it('refuses to replay for a sink that is not enabled, naming the enabled ones', async () => {
    const f = fixture(true);
    await expect(runProjectionCommand('delivery', ['replay', 'webhook', '--all'], f.config, log)).rejects.toThrow('sink webhook is not enabled in the config (enabled: alertmanager)');
  });
});

describe('projections rebuild of a delivery', () => {
  it('delivers everything again through the sink when asked with --redeliver', async () => {
    const f = fixture(true);
    const now = new Date().toISOString();
    const a = alarm({ id: `redeliver-${uniqueSuffix()}`, startsAt: now, lastSeenAt: now });
    await appendAlarm(f.store, [raised(a), updated({ ...a, value: 3 })]);
    const head = (await f.store.readCategory('alarm', { after: null, maxCount: 10 })).at(-1)?.position;
    const { code, out } = await captured(['rebuild', 'alarm-delivery:alertmanager', '--redeliver', '--timeout-ms', '20000'], f.config);
    expect(code).toBe(0);
    expect(out).toMatchObject({ projection: 'alarm-delivery:alertmanager', caughtUp: true });
    expect(await f.checkpoints.read('alarm-delivery:alertmanager')).toBe(head);
    const res = await fetch(`${services.alertmanagerUrl}/api/v2/alerts?filter=${encodeURIComponent(`alarm_id="${a.id}"`)}`);
    expect(((await res.json()) as unknown[]).length).toBe(1);
  });
});
