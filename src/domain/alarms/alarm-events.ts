import type { AlarmLevel } from '../alarm.js';

/**
 * Our alarm schema: what the alarm platform receives and what our API shows, never the engine's format.
 * Times are ISO-8601 UTC. `id` is the alarm's stable identity (a fingerprint of what the engine says about it,
 * see alarm-identity.ts): a resolve always carries the id of the alarm it resolves.
 */
export interface AlarmView {
  readonly id: string;
  /** The engine's own id for this alarm, when it has one. */
  readonly engineAlarmId: string | null;
  readonly ruleId: string;
  readonly ruleName: string;
  readonly metric: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly severity: AlarmLevel;
  readonly status: 'firing' | 'resolved';
  readonly value: number | null;
  readonly summary: string;
  /** When the engine says the alarm started. */
  readonly startsAt: string;
  /** The engine's last observation of the breach. */
  readonly lastSeenAt: string;
  readonly resolvedAt: string | null;
}

/** What changed in an `AlarmUpdated`. */
export type AlarmChange = 'severity' | 'value' | 'summary';

/** Why an alarm was resolved: the engine's history says it recovered, or complete snapshots stopped showing it. */
export type ResolveReason = 'engine_recovered' | 'absent_from_snapshots';

export interface AlarmRaised {
  readonly type: 'AlarmRaised';
  readonly data: { readonly alarm: AlarmView };
}
export interface AlarmUpdated {
  readonly type: 'AlarmUpdated';
  readonly data: { readonly alarm: AlarmView; readonly changed: readonly AlarmChange[] };
}
export interface AlarmResolved {
  readonly type: 'AlarmResolved';
  readonly data: { readonly alarm: AlarmView; readonly reason: ResolveReason };
}

/**
 * Every event of the `Alarm` aggregate carries the whole alarm as it stands after the event, so a sink or a
 * projection needs no state of its own to render it.
 */
export type AlarmEvent = AlarmRaised | AlarmUpdated | AlarmResolved;
export type AlarmEventType = AlarmEvent['type'];

/** Stream category of alarms, and the one place that builds an alarm's stream name. */
export const ALARM_CATEGORY = 'alarm';
export const alarmStream = (alarmId: string): string => `${ALARM_CATEGORY}-${alarmId}`;
