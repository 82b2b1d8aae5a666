import { seriesKeyOf } from './accounting.js';
import { validateBatch, MAX_BATCH_ITEMS } from './metrics-batch.js';
import { failure, invalid, success, type Reply } from './reply.js';
import type { RouteContext } from './route-context.js';
import { buildTrend, parseTrendQuery, selectSeries } from './trends.js';

/** `POST /api/v1/metrics/batch`: all items or none; each accepted item is counted exactly, repeats included. */
export const metricsBatch = ({ state, req, body }: RouteContext): Reply => {
  const header = req.headers['x-request-id'];
  const requestId = Array.isArray(header) ? header[0] : header;
  if (requestId !== undefined && requestId !== '') state.accounting.noteRequestId(requestId);
  const verdict = validateBatch(body, state.faults.faults.rejectTag);
  if (verdict.kind === 'too-many') return failure(413, `batch too large: ${verdict.count} items (max ${MAX_BATCH_ITEMS})`, 'tooLarge');
  if (verdict.kind === 'invalid') return invalid(verdict.field, verdict.problem);
  const { accounting, metrics } = state;
  // Hot path for benchmarks pushing millions of points: one key build, one count, one ring insert per item.
  for (const item of verdict.items) {
    const key = seriesKeyOf(item.metric, item.tags);
    accounting.countPoint(key, item.ts);
    metrics.add(key, item.metric, item.tags, item.ts, item.value);
  }
  accounting.noteAcceptedBatch(requestId === '' ? undefined : requestId);
  const accepted = verdict.items.length;
  return success(state.faults.faults.shapeChange ? { acceptedCount: accepted } : { accepted });
};

/** `GET /api/v1/metrics/trend?metric&tags=k:v,k2:v2&start&end&step`. */
export const metricTrend = ({ state, url, nowMs }: RouteContext): Reply => {
  const parsed = parseTrendQuery(url.searchParams);
  if (parsed.kind === 'invalid') return invalid(parsed.field, parsed.problem);
  const { query } = parsed;
  const points = buildTrend(selectSeries(state.metrics.seriesOf(query.metric), query.tags), query, nowMs);
  return success(state.faults.faults.shapeChange ? { metric: query.metric, values: points } : { metric: query.metric, points });
};
