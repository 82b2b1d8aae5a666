import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { alarmDeliveryProjection, replayDeliveryDeadLetters } from '../../../src/application/alarms/alarm-delivery-projection.js';
import { InMemoryDeliveryDeadLetters, InMemorySinkSwitch } from '../../../src/application/alarms/in-memory-delivery-control.js';
import { InMemoryDeliveryRecords } from '../../../src/application/alarms/in-memory-delivery-records.js';
import { InMemoryEventStore } from '../../../src/application/event-store/in-memory-event-store.js';
import { InMemoryProjectionCheckpoints } from '../../../src/application/event-store/in-memory-projection-checkpoints.js';
import type { DeliveryOutcome } from '../../../src/application/ports/alarm-sink.js';
import type { DeliveryRecord, DeliveryRecords } from '../../../src/application/ports/delivery-records.js';
import { InMemoryLease } from '../../../src/application/projections/in-memory-lease.js';
import { ProjectionRunner } from '../../../src/application/projections/projection-runner.js';
import { appendLifecycles, until } from '../../support/alarm-fixtures.js';
import { RecordingSink } from '../../support/recording-sink.js';

const log = pino({ level: 'silent' });
const runners: ProjectionRunner[] = [];
afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.stop()));
});

async function setup(sink: RecordingSink, records: DeliveryRecords, alarms = 2) {
  const store = new InMemoryEventStore();
  const deadLetters = new InMemoryDeliveryDeadLetters();
  const checkpoints = new InMemoryProjectionCheckpoints();
  const failed: string[] = [];
  const views = await appendLifecycles(store, alarms);
  const projection = alarmDeliveryProjection({
    sink,
    deadLetters,
    sinkSwitch: new InMemorySinkSwitch(),
    records,
    onRecordFailed: (s) => failed.push(s),
    backoff: { baseMs: 5, maxMs: 20 },
    disabledRecheckMs: 20,
    log,
    now: () => new Date('2026-12-02T06:00:00.000Z'),
  });
  const runner = new ProjectionRunner({ projection, store, checkpoints, lease: new InMemoryLease(), owner: 'A', log, idleMs: 5, pageSize: 4 });
  runners.push(runner);
  runner.start();
  const all = await store.readCategory('alarm', { after: null, maxCount: 1_000 });
  return { views, all, failed, deadLetters, checkpoint: () => checkpoints.read(projection.name) };
}

const brief = (r: DeliveryRecord) => `${r.sink} v${r.eventVersion} ${r.eventType} ${r.outcome} x${r.attempts}`;

describe('when the sink accepts every event', () => {
  it('records one delivered entry per event under its alarm, with the event id, type, version and time', async () => {
    const records = new InMemoryDeliveryRecords();
    const sink = new RecordingSink('webhook');
    const { views, all, checkpoint } = await setup(sink, records);
    await until(async () => (await checkpoint()) === all.at(-1)?.position, 3_000, 'all delivered');
    const first = views[0]?.id ?? '';
    const got = await records.forAlarm(first);
    expect(got.map(brief)).toEqual(['webhook v1 AlarmRaised delivered x1', 'webhook v2 AlarmUpdated delivered x1', 'webhook v3 AlarmResolved delivered x1']);
    expect(got.map((r) => r.eventId)).toEqual(all.filter((e) => e.streamName.endsWith(first)).map((e) => e.id));
    expect(got.every((r) => r.alarmId === first && r.reason === null && r.at === '2026-12-02T06:00:00.000Z')).toBe(true);
    expect(await records.forAlarm(views[1]?.id ?? '')).toHaveLength(3);
  });
});

describe('when the sink fails an event twice before accepting it', () => {
  it('shows it retrying while it waits, then one delivered entry counting three attempts', async () => {
    const records = new InMemoryDeliveryRecords();
    let release = false;
    // The head event stays in retry until the test has seen its `retrying` entry (and at least two attempts).
    const sink = new RecordingSink('webhook', (_e, call): DeliveryOutcome => (call < 2 || !release ? { kind: 'retry', reason: 'HTTP 503' } : { kind: 'delivered' }));
    const { views, all, checkpoint } = await setup(sink, records, 1);
    const id = views[0]?.id ?? '';
    await until(async () => (await records.forAlarm(id)).some((r) => r.outcome === 'retrying' && r.attempts >= 2), 3_000, 'retrying recorded');
    const waiting = await records.forAlarm(id);
    expect(waiting).toHaveLength(1);
    expect(waiting[0]).toMatchObject({ eventVersion: 1, outcome: 'retrying', reason: 'HTTP 503' });
    release = true;
    await until(async () => (await checkpoint()) === all.at(-1)?.position, 3_000, 'all delivered');
    const done = await records.forAlarm(id);
    expect(done.map((r) => `${r.eventVersion} ${r.outcome}`)).toEqual(['1 delivered', '2 delivered', '3 delivered']);
    expect(done[0]?.attempts).toBe(sink.calls.filter((c) => c.event.id === all[0]?.id).length);
    expect(done[0]?.attempts).toBeGreaterThanOrEqual(3);
  });
});

describe('when the sink rejects one event and answers gone on another', () => {
  it('records the rejected one as dead-lettered and the gone one as sink-disabled, with the reasons', async () => {
    const records = new InMemoryDeliveryRecords();
    const sink = new RecordingSink('alertmanager', (e): DeliveryOutcome =>
      e.streamVersion === 1 ? { kind: 'rejected', reason: 'HTTP 400 bad alert' } : e.streamVersion === 2 ? { kind: 'gone', reason: 'HTTP 410' } : { kind: 'delivered' });
    const { views } = await setup(sink, records, 1);
    const id = views[0]?.id ?? '';
    await until(async () => (await records.forAlarm(id)).length === 2, 3_000, 'two records');
    const got = await records.forAlarm(id);
    expect(got.map((r) => `${r.sink} v${r.eventVersion} ${r.outcome} ${r.reason}`)).toEqual([
      'alertmanager v1 dead-lettered HTTP 400 bad alert',
      'alertmanager v2 sink-disabled HTTP 410',
    ]);
  });
});

describe('when an operator replays a dead-lettered event', () => {
  it('turns its entry into delivered, or keeps it dead-lettered with the replay\'s reason', async () => {
    const records = new InMemoryDeliveryRecords();
    let replay: 'accept' | 'reject' | undefined;
    const sink = new RecordingSink('webhook', (e): DeliveryOutcome =>
      e.streamVersion !== 1 ? { kind: 'delivered' } : replay === 'accept' ? { kind: 'delivered' } : { kind: 'rejected', reason: replay ? 'HTTP 422 again' : 'HTTP 422' });
    const { views, all, deadLetters, checkpoint } = await setup(sink, records, 1);
    const id = views[0]?.id ?? '';
    await until(async () => (await checkpoint()) === all.at(-1)?.position, 3_000, 'all handled');
    expect((await records.forAlarm(id)).map((r) => `${r.eventVersion} ${r.outcome}`)).toEqual(['1 dead-lettered', '2 delivered', '3 delivered']);
    replay = 'reject';
    await replayDeliveryDeadLetters(deadLetters, sink, 'all', { records, now: () => new Date('2026-12-02T07:00:00.000Z') });
    expect((await records.forAlarm(id)).find((r) => r.eventVersion === 1)).toMatchObject({ outcome: 'dead-lettered', reason: 'replay rejected: HTTP 422 again', at: '2026-12-02T07:00:00.000Z' });
    replay = 'accept';
    await replayDeliveryDeadLetters(deadLetters, sink, 'all', { records, now: () => new Date('2026-12-02T07:01:00.000Z') });
    const after = await records.forAlarm(id);
    expect(after.map((r) => `${r.eventVersion} ${r.outcome}`)).toEqual(['2 delivered', '3 delivered', '1 delivered']);
    expect(after.at(-1)).toMatchObject({ reason: null, at: '2026-12-02T07:01:00.000Z' });
  });
});

describe('when writing the record fails', () => {
  it('delivers and checkpoints every event anyway, and counts each failed write', async () => {
    const broken: DeliveryRecords = {
      record: () => Promise.reject(new Error('READONLY You can\'t write against a read only replica')),
      forAlarm: async () => [],
    };
    const sink = new RecordingSink('webhook');
    const { all, failed, checkpoint } = await setup(sink, broken, 3);
    await until(async () => (await checkpoint()) === all.at(-1)?.position, 3_000, 'all delivered');
    expect(sink.delivered.map((e) => e.id)).toEqual(all.map((e) => e.id));
    expect(failed.length).toBeGreaterThanOrEqual(Math.ceil(all.length / 4));
    expect(new Set(failed)).toEqual(new Set(['webhook']));
  });
});

describe('when an alarm has more delivery outcomes than the cap', () => {
  it('keeps the newest ones and replaces an entry in place when its outcome changes', async () => {
    const records = new InMemoryDeliveryRecords({ maxPerAlarm: 2 });
    const r = (eventId: string, outcome: DeliveryRecord['outcome'], at: string): DeliveryRecord =>
      ({ alarmId: 'a', sink: 'webhook', eventId, eventPosition: eventId, eventType: 'AlarmUpdated', eventVersion: Number(eventId[0]), outcome, attempts: 1, reason: null, at });
    await records.record([r('1-0', 'delivered', '2026-12-02T06:00:01Z'), r('2-0', 'retrying', '2026-12-02T06:00:02Z')]);
    await records.record([r('2-0', 'delivered', '2026-12-02T06:00:03Z'), r('3-0', 'delivered', '2026-12-02T06:00:04Z')]);
    expect((await records.forAlarm('a')).map((x) => `${x.eventId} ${x.outcome}`)).toEqual(['2-0 delivered', '3-0 delivered']);
  });
});
