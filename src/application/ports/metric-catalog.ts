import type { DropReason } from '../../domain/metric.js';

/** What one replica observed for one metric name (`measurement.field`) since its last flush. */
export interface CatalogCounts {
  readonly seen: number;
  readonly passed: number;
  readonly dropped: Readonly<Partial<Record<DropReason, number>>>;
  /** Tag keys seen with this name (not values: those are unbounded). */
  readonly tagKeys: readonly string[];
}

/**
 * Counts per metric name, e.g. a `Map<string, CatalogCounts>`. Bad lines and dead-lettered batches are recorded
 * under their metric name when known, else under the placeholder `_`.
 */
export type CatalogDelta = Iterable<readonly [name: string, counts: CatalogCounts]>;

/** The name under which counts are aggregated once a minute's cap of distinct names is reached. */
export const CATALOG_OTHER = '_other';

export interface CatalogMinute {
  /** Start of the minute, epoch ms. */
  readonly at: number;
  readonly seen: number;
  readonly passed: number;
  readonly dropped: Readonly<Partial<Record<DropReason, number>>>;
}

export interface CatalogEntry {
  readonly name: string;
  readonly tagKeys: readonly string[];
  readonly seen: number;
  readonly passed: number;
  readonly dropped: Readonly<Partial<Record<DropReason, number>>>;
  /** One element per minute of the window, oldest first (zeros where the name was not seen). */
  readonly perMinute: readonly CatalogMinute[];
  /** passed / seen; null when nothing was seen (e.g. `_` holding bad lines). */
  readonly passRatio: number | null;
  /** Epoch ms of the latest flush that counted this name, null when never. */
  readonly lastSeenAt: number | null;
}

/** name ascending; the others descending (largest / most recent first). */
export type CatalogSort = 'name' | 'seen' | 'dropped' | 'lastSeenAt';

export interface CatalogQuery {
  /** The window: the last N minutes including the current one (default 15). */
  readonly minutes?: number;
  readonly limit?: number;
  /** Only names starting with this. */
  readonly prefix?: string;
  readonly sort?: CatalogSort;
}

/**
 * The observed metric catalog (the drop ledger): which metrics flow, which pass the allowlist, which are
 * dropped and why, per minute, merged across every replica.
 */
export interface MetricCatalog {
  /** Adds one replica's counts, attributed to the minute of `atMs`. Idempotency is not provided: call once. */
  record(delta: CatalogDelta, atMs: number): Promise<void>;
  query(query: CatalogQuery): Promise<CatalogEntry[]>;
}
