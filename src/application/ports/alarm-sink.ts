import type { AlarmEvent } from '../../domain/alarms/alarm-events.js';
import type { RecordedEvent } from './event-store.js';

/**
 * Where alarm events are delivered: the alarm platform's webhook, Prometheus Alertmanager. Each delivery is
 * idempotent on `event.id` at the receiver (at-least-once: a redelivery carries the same id).
 */
export interface AlarmSink {
  /** Stable name, used in checkpoints, metrics and dead-letter keys (`webhook`, `alertmanager`). */
  readonly name: string;
  deliver(event: RecordedEvent<AlarmEvent>): Promise<DeliveryOutcome>;
  close?(): Promise<void>;
}

/**
 * `delivered`: done. `retry`: a transient failure (network, 5xx, 429, timeout); `retryAfterMs` when the receiver
 * said. `gone`: 410, the receiver asks never to be called again — the sink is disabled and reported.
 * `rejected`: this event will never be accepted (4xx other than 408/409/425/429/410): it goes to the delivery
 * dead letters and the events after it go on.
 */
export type DeliveryOutcome =
  | { readonly kind: 'delivered' }
  | { readonly kind: 'retry'; readonly reason: string; readonly retryAfterMs?: number }
  | { readonly kind: 'gone'; readonly reason: string }
  | { readonly kind: 'rejected'; readonly reason: string };
