import type { AllowlistError } from '../../domain/allowlist/allowlist-spec.js';
import type { EventStore } from '../ports/event-store.js';
import { allowlistStream, diffEntries, type AllowlistChanged, type AllowlistChangeView } from './allowlist-changes.js';
import { loadAllowlist } from './load-allowlist.js';

/** Where the allowlist is stored, with a compare-and-set write (NacosAllowlistPublisher fits). */
export interface AllowlistStore {
  getAllowlist(): Promise<{ readonly text: string; readonly md5: string } | null>;
  publishIfUnchanged(
    text: string,
    expectedMd5: string | null,
  ): Promise<{ status: 'published'; md5: string } | { status: 'conflict'; currentMd5: string | null } | { status: 'busy' }>;
}

export type EditOutcome =
  | { readonly outcome: 'published'; readonly change: AllowlistChangeView }
  | { readonly outcome: 'invalid'; readonly errors: readonly AllowlistError[] }
  | { readonly outcome: 'conflict'; readonly currentMd5: string | null }
  | { readonly outcome: 'busy' };

/**
 * Replace the allowlist: validate first (an invalid document never reaches the store), then compare-and-set
 * against the version the editor started from, then record who changed what. The event is appended after the
 * publish: a crash in between loses the record, never the change (the store is the truth for the allowlist).
 */
export const editAllowlist = async (
  deps: { store: AllowlistStore; events: EventStore; dataId: string; now?: () => Date },
  edit: { text: string; expectedMd5: string | null; actor: string },
): Promise<EditOutcome> => {
  const loaded = loadAllowlist(edit.text);
  if (!loaded.ok) return { outcome: 'invalid', errors: loaded.errors };
  // The previous spec for the diff: read before the write; the compare-and-set proves it was the one replaced.
  const previous = await deps.store.getAllowlist();
  if ((previous?.md5 ?? null) !== edit.expectedMd5) return { outcome: 'conflict', currentMd5: previous?.md5 ?? null };
  const result = await deps.store.publishIfUnchanged(edit.text, edit.expectedMd5);
  if (result.status === 'busy') return { outcome: 'busy' };
  if (result.status === 'conflict') return { outcome: 'conflict', currentMd5: result.currentMd5 };
  const before = previous ? loadAllowlist(previous.text) : null;
  const { added, removed } = diffEntries(before?.ok ? before.spec : null, loaded.spec);
  const event: AllowlistChanged = {
    type: 'AllowlistChanged',
    data: { version: result.md5, previousVersion: edit.expectedMd5, added, removed, entries: loaded.spec.entries.length },
  };
  await deps.events.appendToStream(allowlistStream(deps.dataId), [{ ...event, metadata: { actor: edit.actor } }], { expectedStreamVersion: 'any' });
  const at = (deps.now ?? (() => new Date()))().toISOString();
  return { outcome: 'published', change: { ...event.data, actor: edit.actor, at } };
};
