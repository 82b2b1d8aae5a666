import { ALARM_LEVELS } from '../../domain/alarm.js';
import type { AlarmView } from '../../domain/alarms/alarm-events.js';
import { alarmLabels } from './alertmanager-labels.js';

/** An alarm that cannot be rendered as an alert (a time that does not parse): never sent, never retried. */
export class BadAlarmError extends Error {
  readonly code = 'ALARM_SINK.BAD_ALARM';
  constructor(
    readonly alarmId: string,
    why: string,
  ) {
    super(`alarm ${alarmId}: ${why}`);
    this.name = 'BadAlarmError';
  }
}

/** One alert of Alertmanager's `POST /api/v2/alerts` body (postableAlert). */
export interface PostableAlert {
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly generatorURL?: string;
}

export interface AlertOptions {
  /** Builds `generatorURL` (a link back to the alarm), e.g. our API's page of the alarm. */
  readonly generatorUrl?: (alarm: AlarmView) => string;
}

function annotations(alarm: AlarmView): Record<string, string> {
  const a: Record<string, string> = {
    summary: alarm.summary,
    value: alarm.value === null ? '' : String(alarm.value),
    rule_name: alarm.ruleName,
    last_seen_at: alarm.lastSeenAt,
  };
  if (alarm.engineAlarmId !== null) a.engine_alarm_id = alarm.engineAlarmId;
  // The exact tags: labels carry them sanitised (renamed keys, no empty values).
  a.tags = JSON.stringify(alarm.tags);
  return a;
}

function alert(alarm: AlarmView, severity: string, endsAt: Date, opts: AlertOptions): PostableAlert {
  const labels = alarmLabels(alarm, severity);
  const startsAt = new Date(alarm.startsAt);
  if (Number.isNaN(startsAt.getTime())) throw new BadAlarmError(alarm.id, `startsAt is not a time: ${JSON.stringify(alarm.startsAt)}`);
  if (Number.isNaN(endsAt.getTime())) throw new BadAlarmError(alarm.id, 'its end time is not a time');
  // Alertmanager refuses an alert that ends before it starts (HTTP 400): a clock skew must not lose a resolve.
  const ends = endsAt.getTime() < startsAt.getTime() ? startsAt : endsAt;
  return {
    labels,
    annotations: annotations(alarm),
    startsAt: startsAt.toISOString(),
    endsAt: ends.toISOString(),
    ...(opts.generatorUrl ? { generatorURL: opts.generatorUrl(alarm) } : {}),
  };
}

/** A firing alarm: its alert with a lease that ends at `leaseEnd`, unless refreshed. */
export const firingAlert = (alarm: AlarmView, leaseEnd: Date, opts: AlertOptions): PostableAlert =>
  alert(alarm, alarm.severity, leaseEnd, opts);

/**
 * The alerts that end what an alarm had in Alertmanager at `endsAt`: the alert of every severity but `except`.
 * An alarm's label set changes only with its severity, so ending every other severity leaves no alert of this
 * alarm firing, whichever severities Alertmanager saw (an alert it never saw is stored as resolved and notifies
 * nobody).
 */
export const endingAlerts = (alarm: AlarmView, endsAt: Date, opts: AlertOptions, except?: string): PostableAlert[] =>
  ALARM_LEVELS.filter((level) => level !== except).map((level) => alert(alarm, level, endsAt, opts));

/** A resolved alarm: every severity's alert ends at the resolve time (`fallback` when the view has none). */
export const resolvedAlerts = (alarm: AlarmView, fallback: string, opts: AlertOptions): PostableAlert[] =>
  endingAlerts(alarm, new Date(alarm.resolvedAt ?? fallback), opts);
