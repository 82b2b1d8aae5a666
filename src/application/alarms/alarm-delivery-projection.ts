import type { Logger } from 'pino';
import { ALARM_CATEGORY, type AlarmEvent } from '../../domain/alarms/alarm-events.js';
import type { AlarmSink, DeliveryOutcome } from '../ports/alarm-sink.js';
import type { DeliveryDeadLetters, SinkSwitch } from '../ports/delivery-control.js';
import type { DeliveryRecord, DeliveryRecordOutcome, DeliveryRecords } from '../ports/delivery-records.js';
import type { RecordedEvent } from '../ports/event-store.js';
import { backoffDelayMs, type BackoffPolicy } from '../projections/backoff.js';
import type { PageResult, Projection } from '../projections/projection.js';

const ALARM_EVENT_TYPES = new Set(['AlarmRaised', 'AlarmUpdated', 'AlarmResolved']);

export const deliveryProjectionName = (sink: string): string => `alarm-delivery:${sink}`;

export interface AlarmDeliveryOptions {
  readonly sink: AlarmSink;
  readonly deadLetters: DeliveryDeadLetters;
  readonly sinkSwitch: SinkSwitch;
  readonly backoff: BackoffPolicy;
  /** How often a disabled sink's switch is read again (an operator may enable it). */
  readonly disabledRecheckMs?: number;
  readonly log: Logger;
  readonly random?: () => number;
  readonly now?: () => Date;
  /** Every outcome, for metrics. `error` = the sink threw (treated as retry). */
  readonly onOutcome?: (sink: string, outcome: DeliveryOutcome['kind'] | 'error') => void;
  readonly onDisabled?: (sink: string, reason: string) => void;
  /** The per-alarm delivery audit record; written once per page, and a failed write never holds delivery up. */
  readonly records?: DeliveryRecords;
  /** A page's records could not be written (counted in a metric; the delivery itself went on). */
  readonly onRecordFailed?: (sink: string, err: unknown) => void;
}

/**
 * `alarm-delivery:<sink>`: every alarm event through one AlarmSink, at least once, in log order — so per alarm in
 * order too. The simplest design that keeps order: one event at a time; an event counts as handled only once its
 * outcome is final (delivered, or dead-lettered as rejected), and a retry stops the page there, so it and every
 * event after it wait in the log (checkpoint not advanced) until the backoff ends, on this replica or, if it dies,
 * on the next owner. 410 Gone switches the sink off fleet-wide and the log keeps everything for it.
 */
export function alarmDeliveryProjection(o: AlarmDeliveryOptions): Projection<AlarmEvent> {
  const sink = o.sink.name;
  const log = o.log.child({ sink });
  const now = o.now ?? (() => new Date());
  const recheckMs = o.disabledRecheckMs ?? 5_000;
  // Retries of the event at the head of the log; starts over when a different event is at the head.
  let retrying: { eventId: string; attempts: number } | undefined;

  const deliver = async (event: RecordedEvent<AlarmEvent>): Promise<DeliveryOutcome | { kind: 'error'; reason: string }> => {
    try {
      return await o.sink.deliver(event);
    } catch (err) {
      // A sink should answer with an outcome; a throw is a bug or an unexpected failure, retried like a 5xx.
      log.error({ err, eventId: event.id }, 'sink threw instead of answering an outcome');
      return { kind: 'error', reason: err instanceof Error ? err.message : String(err) };
    }
  };

  // One write per page, after the deliveries and before the runner's checkpoint: a crash in between shows a
  // redelivery as delivered again, which is what happened. Errors are counted, never thrown (the audit record must
  // not stop delivery).
  const flush = async (page: DeliveryRecord[], result: PageResult): Promise<PageResult> => {
    if (page.length === 0 || !o.records) return result;
    try {
      await o.records.record(page);
    } catch (err) {
      o.onRecordFailed?.(sink, err);
      log.warn({ err, records: page.length }, 'delivery records not written; delivery goes on');
    }
    return result;
  };
  const recordOf = (event: RecordedEvent<AlarmEvent>, outcome: DeliveryRecordOutcome, attempts: number, reason: string | null): DeliveryRecord => ({
    alarmId: event.data.alarm.id,
    sink,
    eventId: event.id,
    eventPosition: event.position,
    eventType: event.type,
    eventVersion: event.streamVersion,
    outcome,
    attempts,
    reason,
    at: now().toISOString(),
  });

  return {
    name: deliveryProjectionName(sink),
    category: ALARM_CATEGORY,
    canHandle: (e) => ALARM_EVENT_TYPES.has(e.type),
    async handle(events, signal): Promise<PageResult> {
      const state = await o.sinkSwitch.state(sink);
      if (state.disabled) return { handled: 0, wait: { ms: recheckMs, reason: `sink disabled: ${state.reason}` } };
      const page: DeliveryRecord[] = [];
      for (let i = 0; i < events.length; i++) {
        if (signal.aborted) return flush(page, { handled: i });
        const event = events[i] as RecordedEvent<AlarmEvent>;
        const outcome = await deliver(event);
        o.onOutcome?.(sink, outcome.kind);
        const attempts = retrying?.eventId === event.id ? retrying.attempts + 1 : 1;
        switch (outcome.kind) {
          case 'delivered':
            retrying = undefined;
            page.push(recordOf(event, 'delivered', attempts, null));
            break;
          case 'rejected':
            retrying = undefined;
            page.push(recordOf(event, 'dead-lettered', attempts, outcome.reason));
            await o.deadLetters.add({ sink, event, reason: outcome.reason, at: now().toISOString() });
            log.warn({ eventId: event.id, stream: event.streamName, reason: outcome.reason }, 'event rejected by sink; dead-lettered');
            break;
          case 'gone':
            await o.sinkSwitch.disable(sink, outcome.reason, now().toISOString());
            o.onDisabled?.(sink, outcome.reason);
            log.error({ eventId: event.id, reason: outcome.reason }, 'sink answered gone; disabled until enabled again (events wait in the log)');
            page.push(recordOf(event, 'sink-disabled', attempts, outcome.reason));
            return flush(page, { handled: i, wait: { ms: recheckMs, reason: 'sink gone' } });
          case 'retry':
          case 'error': {
            retrying = { eventId: event.id, attempts };
            page.push(recordOf(event, 'retrying', attempts, outcome.reason));
            const retryAfterMs = outcome.kind === 'retry' ? outcome.retryAfterMs : undefined;
            const ms = backoffDelayMs(attempts, o.backoff, retryAfterMs, o.random);
            log.warn({ eventId: event.id, attempts, waitMs: ms, reason: outcome.reason }, 'delivery failed; retrying');
            return flush(page, { handled: i, wait: { ms, reason: outcome.reason } });
          }
          default: {
            const never: never = outcome;
            throw new Error(`unknown delivery outcome ${JSON.stringify(never)}`);
          }
        }
      }
      return flush(page, { handled: events.length });
    },
  };
}

/**
 * Delivers dead-lettered events again, oldest first; delivered ones leave the list, the others stay. With `records`,
 * each outcome also lands on its alarm's timeline (`delivered`, or still `dead-lettered` with the replay's reason).
 */
export async function replayDeliveryDeadLetters(
  deadLetters: DeliveryDeadLetters,
  sink: AlarmSink,
  which: readonly string[] | 'all',
  opts: { readonly now?: () => Date; readonly records?: DeliveryRecords } = {},
): Promise<{ delivered: string[]; failed: Array<{ eventId: string; reason: string }> }> {
  const now = opts.now ?? (() => new Date());
  const entries = (await deadLetters.list(sink.name, 10_000)).filter((d) => which === 'all' || which.includes(d.event.id));
  const delivered: string[] = [];
  const failed: Array<{ eventId: string; reason: string }> = [];
  const page: DeliveryRecord[] = [];
  for (const entry of entries) {
    const outcome = await sink.deliver(entry.event).catch((err: unknown) => ({ kind: 'retry' as const, reason: String(err) }));
    const { event } = entry;
    const record = { alarmId: event.data.alarm.id, sink: sink.name, eventId: event.id, eventPosition: event.position, eventType: event.type, eventVersion: event.streamVersion, attempts: 1, at: now().toISOString() };
    if (outcome.kind === 'delivered') {
      await deadLetters.remove(sink.name, entry.event.id);
      delivered.push(entry.event.id);
      page.push({ ...record, outcome: 'delivered', reason: null });
    } else {
      const reason = `replay ${outcome.kind}: ${outcome.reason}`;
      await deadLetters.add({ ...entry, reason, at: now().toISOString() });
      failed.push({ eventId: entry.event.id, reason: outcome.reason });
      page.push({ ...record, outcome: 'dead-lettered', reason });
    }
  }
  // The replay itself is done and reported whatever happens to its timeline entries.
  if (page.length) await opts.records?.record(page).catch(() => undefined);
  return { delivered, failed };
}
