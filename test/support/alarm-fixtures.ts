import type { EventStore, RecordedEvent } from '../../src/application/ports/event-store.js';
import { alarmStream, type AlarmEvent, type AlarmView } from '../../src/domain/alarms/alarm-events.js';

let seq = 0;

/** An alarm in our schema; every field can be overridden. */
export const alarm = (overrides: Partial<AlarmView> = {}): AlarmView => {
  seq += 1;
  return {
    id: `a${seq.toString().padStart(5, '0')}`,
    engineAlarmId: null,
    ruleId: 'r1',
    ruleName: 'cpu high',
    metric: 'cpu.usage',
    tags: { host: 'h1' },
    severity: 'major',
    status: 'firing',
    value: 91,
    summary: 'cpu above 90%',
    startsAt: '2026-12-01T10:00:00.000Z',
    lastSeenAt: '2026-12-01T10:00:00.000Z',
    resolvedAt: null,
    ...overrides,
  };
};

export const raised = (a: AlarmView): AlarmEvent => ({ type: 'AlarmRaised', data: { alarm: a } });
export const updated = (a: AlarmView): AlarmEvent => ({ type: 'AlarmUpdated', data: { alarm: a, changed: ['value'] } });
export const resolved = (a: AlarmView, at = '2026-12-01T11:00:00.000Z'): AlarmEvent => ({
  type: 'AlarmResolved',
  data: { alarm: { ...a, status: 'resolved', resolvedAt: at }, reason: 'engine_recovered' },
});

/** Appends the events of one alarm after what its stream already has. */
export async function appendAlarm(store: EventStore, events: readonly AlarmEvent[]): Promise<void> {
  const first = events[0];
  if (!first) return;
  const stream = alarmStream(first.data.alarm.id);
  const current = (await store.readStream(stream)).currentStreamVersion;
  await store.appendToStream(stream, events, { expectedStreamVersion: current });
}

/**
 * `n` alarms with raised → updated → resolved each, interleaved across alarms (as polls write them), so that
 * per-alarm order and global order differ.
 */
export async function appendLifecycles(store: EventStore, n: number, base: Partial<AlarmView> = {}): Promise<AlarmView[]> {
  const alarms = Array.from({ length: n }, (_, i) => alarm({ ...base, startsAt: new Date(Date.UTC(2026, 11, 1, 10, 0, i)).toISOString() }));
  for (const a of alarms) await appendAlarm(store, [raised(a)]);
  for (const a of alarms) await appendAlarm(store, [updated({ ...a, value: 95 })]);
  for (const a of alarms) await appendAlarm(store, [resolved({ ...a, value: 95 })]);
  return alarms;
}

/** `streamName#version` of each event, the shape order assertions compare. */
export const tagOf = (e: RecordedEvent): string => `${e.streamName}#${e.streamVersion}`;

/** Waits until `check` returns true (polling), or fails after `timeoutMs`. */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
