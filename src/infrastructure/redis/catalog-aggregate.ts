import type { CatalogEntry, CatalogMinute, CatalogSort } from '../../application/ports/metric-catalog.js';
import type { DropReason } from '../../domain/metric.js';
import { CATALOG_SEP, DROP_COLUMNS } from './catalog-record-script.js';

/** The window as read from Redis: each minute's counts hash, and the tag hashes of the hours it spans. */
export interface CatalogWindow {
  readonly minutes: readonly { readonly minute: number; readonly counts: Record<string, string> }[];
  readonly tags: readonly Record<string, string>[];
}

type Dropped = Partial<Record<DropReason, number>>;
interface Counts { seen: number; passed: number; dropped: Dropped }
interface NameAcc extends Counts { name: string; last: number; perMinute: Map<number, Counts> }

/** Parses "seen passed <drops…> last" (see DROP_COLUMNS) and adds it into `into`; returns lastSeenMs. */
const addValue = (value: string, into: Counts[]): number => {
  const cols = value.split(' ').map(Number);
  const last = cols.pop() ?? 0;
  for (const acc of into) {
    acc.seen += cols[0] ?? 0;
    acc.passed += cols[1] ?? 0;
    DROP_COLUMNS.forEach((reason, i) => {
      const n = cols[i + 2] ?? 0;
      if (n) acc.dropped[reason] = (acc.dropped[reason] ?? 0) + n;
    });
  }
  return last;
};

const totalDropped = (d: Dropped): number => Object.values(d).reduce((a, n) => a + (n ?? 0), 0);
const order: Record<CatalogSort, (a: NameAcc, b: NameAcc) => number> = {
  name: (a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  seen: (a, b) => b.seen - a.seen,
  dropped: (a, b) => totalDropped(b.dropped) - totalDropped(a.dropped),
  lastSeenAt: (a, b) => b.last - a.last,
};

/**
 * Merges the window into catalog entries: filter by prefix, sort, limit, and only then build tag lists and the
 * dense per-minute series for the entries returned (the costly part).
 */
export const aggregateCatalog = (
  window: CatalogWindow,
  opts: { prefix: string; sort: CatalogSort; limit: number },
): CatalogEntry[] => {
  const byName = new Map<string, NameAcc>();
  for (const { minute, counts } of window.minutes) {
    for (const [name, value] of Object.entries(counts)) {
      if (!name.startsWith(opts.prefix)) continue;
      let acc = byName.get(name);
      if (!acc) byName.set(name, (acc = { name, seen: 0, passed: 0, dropped: {}, last: 0, perMinute: new Map() }));
      const perMinute: Counts = { seen: 0, passed: 0, dropped: {} };
      acc.perMinute.set(minute, perMinute);
      acc.last = Math.max(acc.last, addValue(value, [acc, perMinute]));
    }
  }
  const chosen = [...byName.values()].sort((a, b) => order[opts.sort](a, b) || order.name(a, b)).slice(0, opts.limit);
  const tagKeys = new Map(chosen.map((acc) => [acc.name, new Set<string>()]));
  for (const hash of window.tags) {
    for (const field of Object.keys(hash)) {
      const i = field.indexOf(CATALOG_SEP);
      tagKeys.get(field.slice(0, i))?.add(field.slice(i + 1));
    }
  }
  return chosen.map((acc) => ({
    name: acc.name,
    tagKeys: [...(tagKeys.get(acc.name) ?? [])].sort(),
    seen: acc.seen,
    passed: acc.passed,
    dropped: acc.dropped,
    perMinute: window.minutes.map(({ minute }): CatalogMinute => {
      const m = acc.perMinute.get(minute);
      return { at: minute * 60_000, seen: m?.seen ?? 0, passed: m?.passed ?? 0, dropped: m?.dropped ?? {} };
    }),
    passRatio: acc.seen > 0 ? acc.passed / acc.seen : null,
    lastSeenAt: acc.last > 0 ? acc.last : null,
  }));
};
