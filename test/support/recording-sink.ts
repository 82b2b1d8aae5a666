import type { AlarmSink, DeliveryOutcome } from '../../src/application/ports/alarm-sink.js';
import type { RecordedEvent } from '../../src/application/ports/event-store.js';
import type { AlarmEvent } from '../../src/domain/alarms/alarm-events.js';

/**
 * A sink that records every call and answers what `answer` says (delivered by default). `delivered` holds the
 * events it accepted, in the order it accepted them.
 */
export class RecordingSink implements AlarmSink {
  readonly calls: Array<{ event: RecordedEvent<AlarmEvent>; at: number; outcome: DeliveryOutcome }> = [];
  readonly delivered: RecordedEvent<AlarmEvent>[] = [];

  constructor(
    readonly name: string,
    public answer: (event: RecordedEvent<AlarmEvent>, call: number) => DeliveryOutcome | Promise<DeliveryOutcome> = () => ({ kind: 'delivered' }),
  ) {}

  /** Every call, throwing ones included (`calls` only holds those that answered). */
  attempts = 0;

  async deliver(event: RecordedEvent<AlarmEvent>): Promise<DeliveryOutcome> {
    const outcome = await this.answer(event, this.attempts++);
    this.calls.push({ event, at: Date.now(), outcome });
    if (outcome.kind === 'delivered') this.delivered.push(event);
    return outcome;
  }
}

/** True when, per alarm stream, the first deliveries come in version order 1, 2, 3… with no gap. */
export function perAlarmOrderKept(delivered: readonly RecordedEvent[]): { ok: boolean; problems: string[] } {
  const next = new Map<string, number>();
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const e of delivered) {
    if (seen.has(e.id)) continue;
    seen.add(e.id);
    const want = (next.get(e.streamName) ?? 0) + 1;
    if (e.streamVersion !== want) problems.push(`${e.streamName}: got v${e.streamVersion}, expected v${want}`);
    next.set(e.streamName, Math.max(want, e.streamVersion));
  }
  return { ok: problems.length === 0, problems };
}
