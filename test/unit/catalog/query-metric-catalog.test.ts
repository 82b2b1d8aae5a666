import { describe, expect, it } from 'vitest';
import { queryMetricCatalog } from '../../../src/application/catalog/query-metric-catalog.js';
import type { CatalogEntry, CatalogQuery, MetricCatalog } from '../../../src/application/ports/metric-catalog.js';

const entry: CatalogEntry = {
  name: 'cpu.usage', tagKeys: ['host'], seen: 2, passed: 1, dropped: { not_allowlisted: 1 },
  perMinute: [], passRatio: 0.5, lastSeenAt: 1,
};
const fakeCatalog = (): MetricCatalog & { asked: CatalogQuery[] } => {
  const asked: CatalogQuery[] = [];
  return {
    asked,
    record: async () => {},
    query: async (q) => {
      asked.push(q);
      return [entry];
    },
  };
};

describe('when the request leaves everything out', () => {
  it('asks for the default window, page size and order', async () => {
    const catalog = fakeCatalog();
    const view = await queryMetricCatalog(catalog)({});
    expect(catalog.asked).toEqual([{ minutes: 15, limit: 200, sort: 'seen', prefix: '' }]);
    expect(view).toEqual({ minutes: 15, sort: 'seen', entries: [entry] });
  });
});

describe('when the request asks for too much or too little', () => {
  it('clamps the window to the retention and the page to the maximum', async () => {
    const catalog = fakeCatalog();
    await queryMetricCatalog(catalog, { maxMinutes: 30, maxLimit: 50 })({ minutes: 1e6, limit: 1e6, prefix: ' net. ' });
    await queryMetricCatalog(catalog)({ minutes: 0, limit: -3, sort: 'name' });
    expect(catalog.asked).toEqual([
      { minutes: 30, limit: 50, sort: 'seen', prefix: 'net.' },
      { minutes: 1, limit: 1, sort: 'name', prefix: '' },
    ]);
  });
});
