import type { TallySnapshot } from '../ingest/metric-tally.js';
import { CATALOG_OTHER, type CatalogCounts } from '../ports/metric-catalog.js';

/** Bad lines have no metric name: the catalog books them under this one. */
export const UNPARSED = '_unparsed';

/** The catalog's view of one tally interval (names, the overflow bucket, bad lines). */
export function tallyToCatalogDelta(snap: TallySnapshot): Map<string, CatalogCounts> {
  const delta = new Map<string, CatalogCounts>();
  for (const n of snap.names) {
    delta.set(n.name, { seen: n.seen, passed: n.passed, dropped: { ...n.dropped }, tagKeys: n.tagKeys });
  }
  if (snap.other.seen > 0) delta.set(CATALOG_OTHER, { seen: snap.other.seen, passed: snap.other.passed, dropped: { ...snap.other.dropped }, tagKeys: [] });
  const bad = Object.values(snap.badLines).reduce((a, b) => a + (b ?? 0), 0);
  if (bad > 0) delta.set(UNPARSED, { seen: bad, passed: 0, dropped: { bad_line: bad }, tagKeys: [] });
  return delta;
}
