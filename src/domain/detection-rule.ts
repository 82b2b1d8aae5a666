import type { AlarmLevel } from './alarm.js';

export type ComparisonOperator = '>' | '>=' | '<' | '<=';

export type DetectionAlgorithm =
  | { readonly kind: 'threshold'; readonly operator: ComparisonOperator; readonly value: number; readonly durationSeconds: number }
  | {
      readonly kind: 'baseline';
      readonly windowSeconds: number;
      readonly sensitivity: number;
      readonly direction: 'up' | 'down' | 'both';
      readonly durationSeconds: number;
    }
  | { readonly kind: 'forecast'; readonly horizonSeconds: number; readonly operator: ComparisonOperator; readonly value: number };

/** A detection rule in our own model (the engine-neutral one our API exposes). */
export interface DetectionRuleSpec {
  readonly name: string;
  readonly metric: string;
  /** Tag matchers, exact or glob (`web-*`). */
  readonly tagFilter: Readonly<Record<string, string>>;
  readonly algorithm: DetectionAlgorithm;
  readonly level: AlarmLevel;
  readonly enabled: boolean;
}

/** A rule as it exists in an engine, with the engine's own id. Times ISO-8601 UTC. */
export interface EngineRule extends DetectionRuleSpec {
  readonly engineRuleId: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}
