import type { AlarmEvent } from '../../domain/alarms/alarm-events.js';
import type { RecordedEvent } from './event-store.js';

/** An event a sink rejected for good (a poison event), kept with the reason until it is replayed. */
export interface DeliveryDeadLetter {
  readonly sink: string;
  readonly event: RecordedEvent<AlarmEvent>;
  readonly reason: string;
  /** When it was dead-lettered, ISO-8601 UTC. */
  readonly at: string;
}

/** The delivery dead letters, per sink; at most one entry per event id (a redelivery overwrites its reason). */
export interface DeliveryDeadLetters {
  add(entry: DeliveryDeadLetter): Promise<void>;
  /** Oldest first. */
  list(sink: string, limit: number): Promise<DeliveryDeadLetter[]>;
  count(sink: string): Promise<number>;
  /** `false` when there was no such entry. */
  remove(sink: string, eventId: string): Promise<boolean>;
}

export type SinkState = { readonly disabled: false } | { readonly disabled: true; readonly reason: string; readonly at: string };

/**
 * Whether a sink is switched off fleet-wide (it answered 410 Gone). Events for a disabled sink wait in the log
 * until an operator enables it again (`delivery enable <sink>`).
 */
export interface SinkSwitch {
  state(sink: string): Promise<SinkState>;
  disable(sink: string, reason: string, at: string): Promise<void>;
  enable(sink: string): Promise<void>;
}
