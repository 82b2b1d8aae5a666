import type { RecordedEvent } from '../../application/ports/event-store.js';
import type { AlarmChange, AlarmEvent, AlarmView, ResolveReason } from '../../domain/alarms/alarm-events.js';

/** `data` of every alarm CloudEvent: our alarm schema (docs/alarm-webhook.md), never the engine's format. */
export type AlarmEventData =
  | { readonly alarm: AlarmView }
  | { readonly alarm: AlarmView; readonly changed: readonly AlarmChange[] }
  | { readonly alarm: AlarmView; readonly reason: ResolveReason };

/** A CloudEvents 1.0 event in structured mode (the whole event is the JSON body). */
export interface AlarmCloudEvent {
  readonly specversion: '1.0';
  readonly id: string;
  readonly source: string;
  readonly type: string;
  readonly subject: string;
  readonly time: string;
  readonly datacontenttype: 'application/json';
  /**
   * Extension attribute: the alarm's version after this event (1 = raised). Per alarm it only grows, so a
   * receiver that sees events out of order (its own retries) can keep the newest.
   */
  readonly alarmversion: number;
  readonly data: AlarmEventData;
}

export interface CloudEventOptions {
  /** CloudEvents `source`, e.g. `urn:aiops-bridge:prod-fleet`. */
  readonly source: string;
  /** Reverse-DNS prefix of `type`: `<prefix>.alarm.raised|updated|resolved`. */
  readonly typePrefix: string;
}

const TYPE_SUFFIX: Record<AlarmEvent['type'], string> = {
  AlarmRaised: 'alarm.raised',
  AlarmUpdated: 'alarm.updated',
  AlarmResolved: 'alarm.resolved',
};

/**
 * Builds the CloudEvent of one recorded alarm event. `data` is rebuilt field by field, so nothing the event store
 * or a future event version adds leaks to the platform unannounced.
 */
export function toCloudEvent(event: RecordedEvent<AlarmEvent>, opts: CloudEventOptions): AlarmCloudEvent {
  return {
    specversion: '1.0',
    id: event.id,
    source: opts.source,
    type: `${opts.typePrefix}.${TYPE_SUFFIX[event.type]}`,
    subject: event.data.alarm.id,
    time: event.time,
    datacontenttype: 'application/json',
    alarmversion: event.streamVersion,
    data: dataOf(event),
  };
}

function dataOf(event: AlarmEvent): AlarmEventData {
  const alarm = viewOf(event.data.alarm);
  switch (event.type) {
    case 'AlarmRaised':
      return { alarm };
    case 'AlarmUpdated':
      return { alarm, changed: [...event.data.changed] };
    case 'AlarmResolved':
      return { alarm, reason: event.data.reason };
    default: {
      const never: never = event;
      throw new Error(`unknown alarm event ${(never as { type: string }).type}`);
    }
  }
}

const viewOf = (a: AlarmView): AlarmView => ({
  id: a.id,
  engineAlarmId: a.engineAlarmId,
  ruleId: a.ruleId,
  ruleName: a.ruleName,
  metric: a.metric,
  tags: { ...a.tags },
  severity: a.severity,
  status: a.status,
  value: a.value,
  summary: a.summary,
  startsAt: a.startsAt,
  lastSeenAt: a.lastSeenAt,
  resolvedAt: a.resolvedAt,
});
