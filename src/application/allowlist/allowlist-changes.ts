import type { AllowlistEntry, AllowlistSpec } from '../../domain/allowlist/allowlist-spec.js';
import type { EventStore } from '../ports/event-store.js';

/** Recorded after a version was published through the API: who, and which entries came and went. */
export interface AllowlistChanged {
  readonly type: 'AllowlistChanged';
  readonly data: {
    readonly version: string;
    readonly previousVersion: string | null;
    readonly added: readonly AllowlistEntry[];
    readonly removed: readonly AllowlistEntry[];
    readonly entries: number;
  };
}

/** One stream per Nacos config: `allowlist-<dataId>` (category `allowlist`). */
export const allowlistStream = (dataId: string): string => `allowlist-${dataId}`;

// Entries compare by content with keys in one order, so re-ordering a document's keys is not a change.
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b))) : v,
  );

/** Entries of `next` not in `previous` (added) and of `previous` not in `next` (removed); a changed entry is both. */
export const diffEntries = (previous: AllowlistSpec | null, next: AllowlistSpec): { added: AllowlistEntry[]; removed: AllowlistEntry[] } => {
  const before = new Map((previous?.entries ?? []).map((e) => [canonical(e), e]));
  const after = new Map(next.entries.map((e) => [canonical(e), e]));
  return {
    added: [...after].filter(([k]) => !before.has(k)).map(([, e]) => e),
    removed: [...before].filter(([k]) => !after.has(k)).map(([, e]) => e),
  };
};

export interface AllowlistChangeView {
  readonly version: string;
  readonly previousVersion: string | null;
  readonly actor: string;
  readonly at: string;
  readonly added: readonly AllowlistEntry[];
  readonly removed: readonly AllowlistEntry[];
  readonly entries: number;
}

/** The latest `limit` changes, newest first. Streams are small (one event per edit): read whole, keep the tail. */
export const listAllowlistChanges = async (store: EventStore, dataId: string, limit: number): Promise<AllowlistChangeView[]> => {
  const { events } = await store.readStream<AllowlistChanged>(allowlistStream(dataId));
  return events
    .slice(-limit)
    .reverse()
    .map((e) => ({ ...e.data, actor: e.metadata.actor ?? 'unknown', at: e.time }));
};
