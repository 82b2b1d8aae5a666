import type { AlarmLevel } from '../../domain/alarm.js';
import type { AlarmEventType, AlarmView } from '../../domain/alarms/alarm-events.js';

/** One alarm in the read model: the alarm as its latest event shows it, and which event that was. */
export interface AlarmViewDoc {
  readonly alarm: AlarmView;
  /** Stream version of the event that wrote it: an older or equal version is never applied again. */
  readonly version: number;
  readonly lastEventId: string;
  readonly lastEventType: AlarmEventType;
  /** The time of that event (append time), ISO-8601 UTC. */
  readonly updatedAt: string;
}

/**
 * A read-model query: every given filter must hold (AND). `from`/`to` bound `startsAt` (`from` inclusive, `to`
 * exclusive). `text` is a case-insensitive substring of summary, rule name, metric, tags or id. Results come newest
 * `startsAt` first (ties by id), which is stable under inserts; `cursor` is the `next` of the previous page.
 */
export interface AlarmQuery {
  readonly status?: AlarmView['status'];
  readonly severity?: AlarmLevel;
  readonly metric?: string;
  readonly ruleId?: string;
  readonly tags?: Readonly<Record<string, string>>;
  readonly from?: string;
  readonly to?: string;
  readonly text?: string;
  readonly limit?: number;
  readonly cursor?: string;
}

export interface AlarmPage {
  readonly items: AlarmViewDoc[];
  /** Null on the last page. A text search that hit its scan budget returns a short page and a cursor. */
  readonly next: string | null;
}

/** A page of alarms as clients see them, each already serialised (`AlarmJson` as UTF-8 JSON, alarm-view-json.ts). */
export interface AlarmJsonPage {
  readonly items: readonly Uint8Array[];
  /** As `AlarmPage.next`. */
  readonly next: string | null;
}

/** The `alarm-view` read model's storage: written by its projection, read by the API and the CLI. */
export interface AlarmViewStore {
  /** Writes each doc unless the stored one is at the same or a later version (idempotent, order-proof). */
  upsert(docs: readonly AlarmViewDoc[]): Promise<void>;
  get(alarmId: string): Promise<AlarmViewDoc | null>;
  query(query: AlarmQuery): Promise<AlarmPage>;
  /** `query` with each alarm as its stored JSON bytes: the API's list page, without a parse per alarm. */
  queryJson(query: AlarmQuery): Promise<AlarmJsonPage>;
  /** Firing alarms, and those resolved at or after `resolvedSince` (for Alertmanager's lease refresh). */
  firingAndResolvedSince(resolvedSince: Date): Promise<AlarmView[]>;
  /** Removes the whole read model (rebuild). */
  clear(): Promise<void>;
  /** A hash over everything stored, indexes included: equal digests = identical read models. */
  digest(): Promise<string>;
}
