import { randomUUID } from 'node:crypto';
import type { RecordedEvent } from '../../src/application/ports/event-store.js';
import type { AlarmChange, AlarmEvent, AlarmView, ResolveReason } from '../../src/domain/alarms/alarm-events.js';
import { alarmStream } from '../../src/domain/alarms/alarm-events.js';

/** A firing alarm in our schema; `over` replaces any field. */
export function alarmView(over: Partial<AlarmView> = {}): AlarmView {
  const now = new Date().toISOString();
  return {
    id: `a${randomUUID().replace(/-/g, '').slice(0, 16)}`,
    engineAlarmId: 'eng-1001',
    ruleId: 'rule-7',
    ruleName: 'CPU busy',
    metric: 'cpu.usage_idle',
    tags: { host: 'web-1', dc: 'east' },
    severity: 'major',
    status: 'firing',
    value: 97.5,
    summary: 'cpu above 95 for 3 points',
    startsAt: now,
    lastSeenAt: now,
    resolvedAt: null,
    ...over,
  };
}

/** Raised → updated → resolved of one alarm, as the event store would record them (versions 1, 2, 3). */
export function recorded(version: number, data: AlarmEvent, time = new Date()): RecordedEvent<AlarmEvent> {
  return {
    ...data,
    id: randomUUID(),
    streamName: alarmStream(data.data.alarm.id),
    streamVersion: version,
    position: `${time.getTime()}-${version}`,
    time: time.toISOString(),
    metadata: { pollId: 'poll-1' },
  } as RecordedEvent<AlarmEvent>;
}

export const raised = (alarm: AlarmView): RecordedEvent<AlarmEvent> => recorded(1, { type: 'AlarmRaised', data: { alarm } });

export const updated = (alarm: AlarmView, changed: AlarmChange[], version = 2): RecordedEvent<AlarmEvent> =>
  recorded(version, { type: 'AlarmUpdated', data: { alarm, changed } });

export const resolved = (alarm: AlarmView, reason: ResolveReason = 'engine_recovered', version = 3): RecordedEvent<AlarmEvent> => {
  const at = new Date().toISOString();
  const view: AlarmView = { ...alarm, status: 'resolved', resolvedAt: alarm.resolvedAt ?? at };
  return recorded(version, { type: 'AlarmResolved', data: { alarm: view, reason } });
};
