import type { KnownAlarm } from '../../domain/alarms/reconcile.js';
import type { KnownAlarmIndex } from '../ports/known-alarms.js';

/** The known-alarm index in memory: the twin of RedisKnownAlarmIndex for unit tests and single-process runs. */
export class InMemoryKnownAlarmIndex implements KnownAlarmIndex {
  readonly entries = new Map<string, KnownAlarm>();
  historyCursorMs: number | null = null;

  async load(): Promise<{ known: Map<string, KnownAlarm>; historyCursorMs: number | null }> {
    return { known: new Map(this.entries), historyCursorMs: this.historyCursorMs };
  }

  async save(change: { put: ReadonlyMap<string, KnownAlarm>; remove: readonly string[]; historyCursorMs?: number }): Promise<void> {
    for (const [id, k] of change.put) this.entries.set(id, k);
    for (const id of change.remove) this.entries.delete(id);
    if (change.historyCursorMs !== undefined) this.historyCursorMs = change.historyCursorMs;
  }
}
