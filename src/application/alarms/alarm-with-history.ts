import { alarmStream, type AlarmEvent } from '../../domain/alarms/alarm-events.js';
import type { AlarmViewDoc, AlarmViewStore } from '../ports/alarm-view-store.js';
import type { EventStore, RecordedEvent } from '../ports/event-store.js';

export interface AlarmWithHistory extends AlarmViewDoc {
  /** Every event of the alarm, oldest first, from the event store (the source of truth, not the read model). */
  readonly history: RecordedEvent<AlarmEvent>[];
}

/** One alarm as the read model shows it, with its full event history; null when the read model does not know it. */
export async function getAlarmWithHistory(view: Pick<AlarmViewStore, 'get'>, store: Pick<EventStore, 'readStream'>, alarmId: string): Promise<AlarmWithHistory | null> {
  const doc = await view.get(alarmId);
  if (!doc) return null;
  const { events } = await store.readStream<AlarmEvent>(alarmStream(alarmId));
  return { ...doc, history: events };
}
