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
  listCurrentAlarms(): Promise<{ alarms: EngineAlarm[]; complete: boolean }>;
  listAlarmHistory(range: { startMs: number; endMs: number }): Promise<{ alarms: EngineAlarm[]; complete: boolean }>;
}
