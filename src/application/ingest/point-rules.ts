/**
 * What a point must satisfy before it is batched: the engine validates a batch all-or-none, so one point it
 * would refuse costs every good point of its batch. Checked on passing points only, once per line for what a
 * line's points share (timestamp, tags), so the check costs a few compares per accepted point.
 */
export interface PointRules {
  /** Epoch ms; earlier points are `ts_out_of_window` (default 2000-01-01T00:00:00Z: `0` is a producer bug). */
  readonly minTsMs: number;
  /** How far past the payload's receive time a point may be stamped (default 1 h): `ts_out_of_window`. */
  readonly maxAheadMs: number;
  /** The engine's limit on `<measurement>.<field>` (256 characters): `metric_name_too_long`. */
  readonly maxMetricNameLength: number;
  /** The engine's limits on tags (count, key and value characters): `tags_too_large`. */
  readonly maxTagsPerPoint: number;
  readonly maxTagKeyLength: number;
  readonly maxTagValueLength: number;
}

/** Why a point that passed the allowlist was still dropped. Stable codes: metric labels and quarantine reasons. */
export type PointRejectReason = 'ts_out_of_window' | 'bad_value' | 'metric_name_too_long' | 'tags_too_large';

export const DEFAULT_POINT_RULES: PointRules = {
  minTsMs: Date.UTC(2000, 0, 1),
  maxAheadMs: 3_600_000,
  maxMetricNameLength: 256,
  maxTagsPerPoint: 64,
  maxTagKeyLength: 128,
  maxTagValueLength: 256,
};

/** Accepts every point: for tests of other concerns that stamp points near the epoch. */
export const NO_POINT_RULES: PointRules = {
  minTsMs: -Infinity,
  maxAheadMs: Infinity,
  maxMetricNameLength: Infinity,
  maxTagsPerPoint: Infinity,
  maxTagKeyLength: Infinity,
  maxTagValueLength: Infinity,
};

/**
 * The problem shared by every point of a line (its timestamp, its tags), or null. `tagsTooLarge` comes from
 * whoever built the tags (tagsFit), which sees every key and value anyway.
 */
export function lineProblem(tsMs: number, tagsTooLarge: boolean, nowMs: number, rules: PointRules): PointRejectReason | null {
  if (!(tsMs >= rules.minTsMs && tsMs <= nowMs + rules.maxAheadMs)) return 'ts_out_of_window';
  return tagsTooLarge ? 'tags_too_large' : null;
}

/** Whether one tag is within the engine's key and value limits. */
export const tagFits = (key: string, value: string, rules: PointRules): boolean =>
  key.length <= rules.maxTagKeyLength && value.length <= rules.maxTagValueLength;

/** The problem of one point of an acceptable line, or null. */
export function pointProblem(name: string, value: number, rules: PointRules): PointRejectReason | null {
  // value - value is NaN for NaN and ±Infinity: a non-finite value would reach the engine as JSON null.
  if (value - value !== 0) return 'bad_value';
  return name.length > rules.maxMetricNameLength ? 'metric_name_too_long' : null;
}
