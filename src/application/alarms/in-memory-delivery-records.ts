import { byOutcomeTime, type DeliveryRecord, type DeliveryRecords } from '../ports/delivery-records.js';

/** In-memory twin of the Redis delivery records (same replace-and-cap rules), for unit tests. */
export class InMemoryDeliveryRecords implements DeliveryRecords {
  private readonly byAlarm = new Map<string, Map<string, DeliveryRecord>>();

  constructor(private readonly options: { readonly maxPerAlarm: number } = { maxPerAlarm: 200 }) {}

  async record(records: readonly DeliveryRecord[]): Promise<void> {
    for (const r of records) {
      const entries = this.byAlarm.get(r.alarmId) ?? new Map<string, DeliveryRecord>();
      this.byAlarm.set(r.alarmId, entries);
      // Setting an existing key keeps its place: the first record of an (event, sink) orders it, as in Redis.
      entries.set(`${r.sink}\n${r.eventId}`, r);
      for (const key of entries.keys()) {
        if (entries.size <= this.options.maxPerAlarm) break;
        entries.delete(key);
      }
    }
  }

  async forAlarm(alarmId: string): Promise<DeliveryRecord[]> {
    return byOutcomeTime([...(this.byAlarm.get(alarmId)?.values() ?? [])]);
  }
}

