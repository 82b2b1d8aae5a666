import { describe, expect, it } from 'vitest';
import { alarmViewProjection, evolveAlarmView } from '../../../src/application/alarms/alarm-view-projection.js';
import type { RecordedEvent } from '../../../src/application/ports/event-store.js';
import type { AlarmEvent } from '../../../src/domain/alarms/alarm-events.js';
import { alarm, raised, resolved, updated } from '../../support/alarm-fixtures.js';

const recorded = (e: AlarmEvent, version: number): RecordedEvent<AlarmEvent> => ({
  ...e,
  id: `e${version}`,
  streamName: `alarm-${e.data.alarm.id}`,
  streamVersion: version,
  position: `1-${version}`,
  time: `2026-12-01T10:00:0${version}.000Z`,
  metadata: {},
});

describe('evolveAlarmView', () => {
  const a = alarm();
  const events = [recorded(raised(a), 1), recorded(updated({ ...a, value: 99 }), 2), recorded(resolved(a), 3)];

  it('shows the alarm as its latest event carries it', () => {
    const doc = events.reduce<ReturnType<typeof evolveAlarmView> | null>((d, e) => evolveAlarmView(d, e), null);
    expect(doc).toEqual({ alarm: events[2]?.data.alarm, version: 3, lastEventId: 'e3', lastEventType: 'AlarmResolved', updatedAt: '2026-12-01T10:00:03.000Z' });
  });

  it('gives the same document when an event is applied twice or late', () => {
    const once = events.reduce<ReturnType<typeof evolveAlarmView> | null>((d, e) => evolveAlarmView(d, e), null);
    const twice = [...events, ...events, events[0]!].reduce<ReturnType<typeof evolveAlarmView> | null>((d, e) => evolveAlarmView(d, e), null);
    expect(twice).toEqual(once);
  });
});

describe('alarmViewProjection on a page with an event whose alarm cannot be indexed', () => {
  it('skips and reports that event and writes the others', async () => {
    const written: unknown[] = [];
    const store = { upsert: async (docs: readonly unknown[]) => void written.push(...docs) } as unknown as Parameters<typeof alarmViewProjection>[0];
    const skipped: string[] = [];
    const good = alarm();
    const bad = alarm({ startsAt: 'yesterday' });
    const result = await alarmViewProjection(store, (_e, problem) => skipped.push(problem)).handle(
      [recorded(raised(bad), 1), recorded(raised(good), 1)],
      new AbortController().signal,
    );
    expect(result).toEqual({ handled: 2 });
    expect(skipped).toEqual(['startsAt "yesterday" is not a time']);
    expect(written.map((d) => (d as { alarm: { id: string } }).alarm.id)).toEqual([good.id]);
  });
});
