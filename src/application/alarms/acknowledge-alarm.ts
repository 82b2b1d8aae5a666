import type { EventStore, RecordedEvent } from '../ports/event-store.js';

/**
 * An operator saw the alarm. Kept in its own stream (`alarmack-<alarmId>`, category `alarmack`) rather than the
 * alarm's: the alarm stream is written by the poll from what the engine says, and an ack is not the engine's
 * business, so the two writers never contend for one stream version and the alarm projections stay untouched.
 */
export interface AlarmAcknowledged {
  readonly type: 'AlarmAcknowledged';
  readonly data: { readonly alarmId: string; readonly note: string | null };
}

export const alarmAckStream = (alarmId: string): string => `alarmack-${alarmId}`;

export interface Acknowledgement {
  readonly by: string;
  readonly at: string;
  readonly note: string | null;
}

const view = (e: RecordedEvent<AlarmAcknowledged>): Acknowledgement => ({ by: e.metadata.actor ?? 'unknown', at: e.time, note: e.data.note });

export const acknowledgeAlarm = async (store: EventStore, alarmId: string, actor: string, note: string | null): Promise<Acknowledgement> => {
  const event: AlarmAcknowledged = { type: 'AlarmAcknowledged', data: { alarmId, note } };
  const { nextExpectedStreamVersion } = await store.appendToStream(alarmAckStream(alarmId), [{ ...event, metadata: { actor } }], { expectedStreamVersion: 'any' });
  const { events } = await store.readStream<AlarmAcknowledged>(alarmAckStream(alarmId), { from: nextExpectedStreamVersion, maxCount: 1 });
  const recorded = events[0];
  if (!recorded) throw new Error(`acknowledgement of ${alarmId} was appended but cannot be read back`);
  return view(recorded);
};

export const acknowledgementsOf = async (store: EventStore, alarmId: string): Promise<Acknowledgement[]> =>
  (await store.readStream<AlarmAcknowledged>(alarmAckStream(alarmId))).events.map(view);
