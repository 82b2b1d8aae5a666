import type { KnownAlarm } from '../../domain/alarms/reconcile.js';

/**
 * The poller's index of alarms it believes are firing, with their absence counts, and the end of the last history
 * window it read completely. Kept outside any replica (Redis) so that a replica dying loses nothing: the next poll,
 * on whichever replica, starts from it. Only one poll runs at a time fleet-wide (PollLease), so it has one writer.
 *
 * It is a cache of the event store, not a second source of truth: every command it leads to goes through the
 * decider, which reads the alarm's stream, so a stale entry costs at most a command that decides nothing.
 */
export interface KnownAlarmIndex {
  load(): Promise<{ readonly known: Map<string, KnownAlarm>; readonly historyCursorMs: number | null }>;
  /** Puts, then removals, then the cursor (when given), in one round trip. */
  save(change: {
    readonly put: ReadonlyMap<string, KnownAlarm>;
    readonly remove: readonly string[];
    readonly historyCursorMs?: number;
  }): Promise<void>;
}
