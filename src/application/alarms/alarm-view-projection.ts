import { ALARM_CATEGORY, type AlarmEvent } from '../../domain/alarms/alarm-events.js';
import type { AlarmViewDoc, AlarmViewStore } from '../ports/alarm-view-store.js';
import type { RecordedEvent } from '../ports/event-store.js';
import type { Projection } from '../projections/projection.js';

export const ALARM_VIEW = 'alarm-view';
const TYPES = new Set(['AlarmRaised', 'AlarmUpdated', 'AlarmResolved']);

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
export function alarmViewProjection(store: AlarmViewStore): Projection<AlarmEvent> {
  return {
    name: ALARM_VIEW,
    category: ALARM_CATEGORY,
    canHandle: (e) => TYPES.has(e.type),
    async handle(events) {
      const docs = new Map<string, AlarmViewDoc>();
      for (const event of events) {
        const id = event.data.alarm.id;
        docs.set(id, evolveAlarmView(docs.get(id) ?? null, event));
      }
      await store.upsert([...docs.values()]);
      return { handled: events.length };
    },
  };
}
