import type { AlarmEventType } from '../../domain/alarms/alarm-events.js';
import { comparePositions } from '../event-store/log-position.js';

/**
 * What became of one alarm event at one sink, as far as the delivery projection knows: `delivered`, `retrying`
 * (the sink failed transiently and the event waits at the head of that sink's log), `dead-lettered` (the sink
 * rejected it for good) or `sink-disabled` (the sink answered 410 Gone on it and is off until enabled again).
 */
export type DeliveryRecordOutcome = 'delivered' | 'retrying' | 'dead-lettered' | 'sink-disabled';

/** One (alarm, sink, event) delivery as an operator reads it on the alarm's timeline. */
export interface DeliveryRecord {
  readonly alarmId: string;
  readonly sink: string;
  /** The event's id (the receivers' idempotency key, `webhook-id`). */
  readonly eventId: string;
  /** The event's position in the category log (`<ms>-<seq>`), its place in delivery order. */
  readonly eventPosition: string;
  readonly eventType: AlarmEventType;
  /** The event's version in the alarm's stream. */
  readonly eventVersion: number;
  readonly outcome: DeliveryRecordOutcome;
  /** Attempts this owner of the delivery projection made for the event (a takeover counts from 1 again). */
  readonly attempts: number;
  /** Why it is not delivered (the sink's answer); null when delivered. */
  readonly reason: string | null;
  /** When this outcome was reached, ISO-8601 UTC. */
  readonly at: string;
}

/**
 * The per-alarm delivery audit record (not an event: docs/architecture.md, "Delivery records"). The newest outcome
 * of an (alarm, sink, event) replaces the earlier one (`retrying` → `delivered`), so retries do not grow it; each
 * alarm keeps a bounded number of entries, the oldest dropped first.
 */
export interface DeliveryRecords {
  /** Writes a page's outcomes in one round trip. */
  record(records: readonly DeliveryRecord[]): Promise<void>;
  /** An alarm's records, oldest outcome first. */
  forAlarm(alarmId: string): Promise<DeliveryRecord[]>;
}

/** Oldest outcome first; ties in log order, then by sink name, so every adapter lists in the same order. */
export const byOutcomeTime = (records: DeliveryRecord[]): DeliveryRecord[] =>
  records.sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || comparePositions(a.eventPosition, b.eventPosition) || a.sink.localeCompare(b.sink));
