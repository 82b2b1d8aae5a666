import type { EngineAlarm } from '../../domain/alarm.js';
import type { DetectionRuleSpec, EngineRule } from '../../domain/detection-rule.js';
import type { MetricPoint } from '../../domain/metric.js';
import type { Trend, TrendQuery } from '../../domain/trend.js';

/**
 * The analysis engine, in our own domain types. Every engine-specific detail (paths, auth, envelopes, field
 * names, time zones, level numbers) stays inside the adapter that implements this.
 *
 * Errors: implementations throw `EngineError` (see engine-errors.ts) so callers can tell retryable failures
 * (network, 5xx, 429, expired auth that re-login could not fix in time) from permanent ones (validation,
 * contract violations).
 */
export interface AnalysisEngine {
  /** Push points; the adapter splits at the engine's limits. `requestId` makes a retried push recognisable. */
  pushMetrics(points: readonly MetricPoint[], requestId: string): Promise<{ accepted: number }>;
  trend(query: TrendQuery): Promise<Trend>;
  listRules(): Promise<EngineRule[]>;
  createRule(rule: DetectionRuleSpec): Promise<{ engineRuleId: string }>;
  updateRule(engineRuleId: string, rule: DetectionRuleSpec): Promise<void>;
  deleteRule(engineRuleId: string): Promise<void>;
  /**
   * Every firing alarm, all pages. `complete` is false when a page failed or the list shifted in a way that
   * may have hidden alarms; an incomplete snapshot must never be used to resolve anything.
   */
  listCurrentAlarms(): Promise<AlarmList>;
  listAlarmHistory(range: { startMs: number; endMs: number }): Promise<AlarmList>;
}

/** One read of a paged alarm list. `pages` and `drift` are for metrics; an adapter that cannot tell leaves them out. */
export interface AlarmList {
  readonly alarms: EngineAlarm[];
  readonly complete: boolean;
  /** Pages requested, the failed one included. */
  readonly pages?: number;
  /** Signs that the list moved during the read: ids seen twice, the total changing, ids the total promised but no page held. */
  readonly drift?: number;
}
