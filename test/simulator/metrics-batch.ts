import { isRecord } from './http-io.js';
import type { Tags } from './types.js';

export const MAX_BATCH_ITEMS = 5000;
/** Epoch ms below this are almost certainly epoch seconds (1e11 ms is 1973; 1e11 s is year 5138). */
const MIN_EPOCH_MS = 1e11;

export interface MetricItem { metric: string; tags: Tags; ts: number; value: number }

export type BatchVerdict =
  | { kind: 'ok'; items: MetricItem[] }
  | { kind: 'too-many'; count: number }
  | { kind: 'invalid'; field: string; problem: string };

/**
 * Validates a whole batch before accepting any of it: the engine accepts all items or none, so a client never
 * has to work out which half of a batch landed. Messages name the field, e.g. `items[3].value`.
 */
export const validateBatch = (body: unknown, rejectTag: string | null = null): BatchVerdict => {
  if (!isRecord(body) || !Array.isArray(body.items)) return { kind: 'invalid', field: 'items', problem: 'must be an array' };
  const raw: unknown[] = body.items;
  if (raw.length > MAX_BATCH_ITEMS) return { kind: 'too-many', count: raw.length };
  const items: MetricItem[] = new Array<MetricItem>(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const item = raw[i];
    const at = `items[${i}]`;
    if (!isRecord(item)) return { kind: 'invalid', field: at, problem: 'must be an object' };
    const { metric, tags, ts, value } = item;
    if (typeof metric !== 'string' || metric.length === 0 || metric.length > 256) {
      return { kind: 'invalid', field: `${at}.metric`, problem: 'must be a non-empty string of at most 256 characters' };
    }
    if (tags !== undefined && !isRecord(tags)) return { kind: 'invalid', field: `${at}.tags`, problem: 'must be an object' };
    const tagProblem = tags === undefined ? undefined : badTag(tags);
    if (tagProblem !== undefined) return { kind: 'invalid', field: `${at}.tags.${tagProblem}`, problem: 'must be a string' };
    if (rejectTag !== null && tags !== undefined && Object.hasOwn(tags, rejectTag)) {
      return { kind: 'invalid', field: `${at}.tags.${rejectTag}`, problem: 'refused by the strict engine (fault rejectTag)' };
    }
    if (typeof ts !== 'number' || !Number.isInteger(ts)) return { kind: 'invalid', field: `${at}.ts`, problem: 'must be an integer (epoch milliseconds)' };
    if (ts < MIN_EPOCH_MS) return { kind: 'invalid', field: `${at}.ts`, problem: 'must be epoch milliseconds, looks like seconds' };
    // Booleans and strings are refused on purpose: the API wants numbers and the client must convert.
    if (typeof value !== 'number') return { kind: 'invalid', field: `${at}.value`, problem: `must be a number, got ${typeof value}` };
    items[i] = { metric, tags: (tags ?? {}) as Tags, ts, value };
  }
  return { kind: 'ok', items };
};

const badTag = (tags: Record<string, unknown>): string | undefined => {
  for (const key of Object.keys(tags)) if (typeof tags[key] !== 'string') return key;
  return undefined;
};
