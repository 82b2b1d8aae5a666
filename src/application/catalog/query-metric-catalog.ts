import type { CatalogEntry, CatalogSort, MetricCatalog } from '../ports/metric-catalog.js';

export interface MetricCatalogRequest {
  readonly minutes?: number;
  readonly limit?: number;
  readonly prefix?: string;
  readonly sort?: CatalogSort;
}

export interface MetricCatalogView {
  /** The window actually used, after clamping. */
  readonly minutes: number;
  readonly sort: CatalogSort;
  readonly entries: CatalogEntry[];
}

export interface MetricCatalogLimits {
  /** Longest window a caller may ask for: the catalog's retention (default 60). */
  readonly maxMinutes?: number;
  /** Most entries one call may return (default 1,000). */
  readonly maxLimit?: number;
}

const clamp = (value: number | undefined, fallback: number, max: number): number =>
  Math.min(Math.max(1, Math.floor(Number.isFinite(value) ? (value as number) : fallback)), max);

/**
 * "Which metrics flow, which pass, which are dropped": the catalog over the last N minutes. Clamps the window
 * and page size, so a caller can never ask for more than the catalog keeps or an unbounded response.
 */
export const queryMetricCatalog =
  (catalog: MetricCatalog, limits: MetricCatalogLimits = {}) =>
  async (request: MetricCatalogRequest): Promise<MetricCatalogView> => {
    const minutes = clamp(request.minutes, 15, limits.maxMinutes ?? 60);
    const limit = clamp(request.limit, 200, limits.maxLimit ?? 1000);
    const sort = request.sort ?? 'seen';
    const entries = await catalog.query({ minutes, limit, sort, prefix: request.prefix?.trim() ?? '' });
    return { minutes, sort, entries };
  };
