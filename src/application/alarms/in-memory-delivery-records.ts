import { comparePositions } from '../event-store/log-position.js';
import { byOutcomeTime, type DeliveryRecord, type DeliveryRecords } from '../ports/delivery-records.js';

/** In-memory twin of the Redis delivery records (same replace-and-cap rules), for unit tests. */
export class InMemoryDeliveryRecords implements DeliveryRecords {
  private readonly byAlarm = new Map<string, Map<string, DeliveryRecord>>();

  constructor(private readonly options: { readonly maxPerAlarm: number } = { maxPerAlarm: 200 }) {}

  async record(records: readonly DeliveryRecord[]): Promise<void> {
    for (const r of records) {
      const entries = this.byAlarm.get(r.alarmId) ?? new Map<string, DeliveryRecord>();
      this.byAlarm.set(r.alarmId, entries);
      entries.set(`${r.eventPosition}|${r.sink}`, r);
      if (entries.size <= this.options.maxPerAlarm) continue;
      // Above the cap, the oldest events' entries go (log order), as in Redis.
      const oldest = [...entries.values()].sort((a, b) => comparePositions(a.eventPosition, b.eventPosition) || a.sink.localeCompare(b.sink));
      for (const gone of oldest.slice(0, entries.size - this.options.maxPerAlarm)) entries.delete(`${gone.eventPosition}|${gone.sink}`);
    }
  }

  async forAlarm(alarmId: string): Promise<DeliveryRecord[]> {
    return byOutcomeTime([...(this.byAlarm.get(alarmId)?.values() ?? [])]);
  }
}

