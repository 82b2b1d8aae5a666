import { ALARM_CATEGORY, type AlarmEvent } from '../../domain/alarms/alarm-events.js';
import type { AlarmViewDoc, AlarmViewStore } from '../ports/alarm-view-store.js';
import type { RecordedEvent } from '../ports/event-store.js';
import type { Projection } from '../projections/projection.js';

export const ALARM_VIEW = 'alarm-view';
const TYPES = new Set(['AlarmRaised', 'AlarmUpdated', 'AlarmResolved']);

const isTime = (t: unknown): boolean => typeof t === 'string' && Number.isFinite(Date.parse(t)) && Date.parse(t) >= 0;

/** Why an event's alarm cannot be indexed (no id, a time that does not parse), or null when it can. */
export const alarmViewProblem = (event: RecordedEvent<AlarmEvent>): string | null => {
  const a = event.data?.alarm as Partial<AlarmEvent['data']['alarm']> | undefined;
  if (!a || typeof a.id !== 'string' || a.id.length === 0) return 'no alarm id';
  if (!isTime(a.startsAt)) return `startsAt ${JSON.stringify(a.startsAt)} is not a time`;
  if (a.resolvedAt != null && !isTime(a.resolvedAt)) return `resolvedAt ${JSON.stringify(a.resolvedAt)} is not a time`;
  if (typeof a.tags !== 'object' || a.tags === null) return 'tags missing';
  return null;
};

/**
 * Pure, Emmett style: the next read-model document from the current one and an event. Every alarm event carries
 * the whole alarm, so the document is the latest event's alarm; an event at or below the document's version
 * changes nothing (applying an event twice, or late, gives the same document).
 */
export const evolveAlarmView = (doc: AlarmViewDoc | null, event: RecordedEvent<AlarmEvent>): AlarmViewDoc =>
  doc !== null && doc.version >= event.streamVersion
    ? doc
    : {
        alarm: event.data.alarm,
        version: event.streamVersion,
        lastEventId: event.id,
        lastEventType: event.type,
        updatedAt: event.time,
      };

/**
 * `alarm-view`: folds each page per alarm with `evolveAlarmView` and writes one document per alarm. It starts
 * each fold from nothing instead of reading the stored document: the fold's result depends only on the latest
 * event, and the store refuses to go back in version, so the outcome is the same without a read per alarm.
 */
export function alarmViewProjection(
  store: AlarmViewStore,
  /** An event whose alarm cannot be indexed is skipped (it stays in the log) and reported here. */
  onSkipped: (event: RecordedEvent<AlarmEvent>, problem: string) => void = () => undefined,
): Projection<AlarmEvent> {
  return {
    name: ALARM_VIEW,
    category: ALARM_CATEGORY,
    canHandle: (e) => TYPES.has(e.type),
    async handle(events) {
      const docs = new Map<string, AlarmViewDoc>();
      for (const event of events) {
        const problem = alarmViewProblem(event);
        if (problem !== null) {
          onSkipped(event, problem);
          continue;
        }
        const id = event.data.alarm.id;
        docs.set(id, evolveAlarmView(docs.get(id) ?? null, event));
      }
      await store.upsert([...docs.values()]);
      return { handled: events.length };
    },
  };
}
