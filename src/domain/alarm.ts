/** Alarm levels in our own vocabulary; adapters map engine-specific numbers onto these. */
export type AlarmLevel = 'critical' | 'major' | 'minor' | 'warning';
export const ALARM_LEVELS: readonly AlarmLevel[] = ['critical', 'major', 'minor', 'warning'];

export type AlarmStatus = 'firing' | 'resolved';

/** An alarm as the engine reports it, in our types: times are ISO-8601 UTC strings. */
export interface EngineAlarm {
  readonly alarmId: string;
  readonly ruleId: string;
  readonly ruleName: string;
  readonly metric: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly level: AlarmLevel;
  readonly status: AlarmStatus;
  readonly firstSeenAt: string;
  readonly lastSeenAt: string;
  readonly resolvedAt?: string;
  readonly value: number | null;
  readonly summary: string;
}
