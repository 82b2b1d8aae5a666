/** Which engine rule id holds each of our rules (the reconciler's memory; our rule id → engine rule id). */
export interface EngineRuleLinks {
  all(): Promise<Map<string, string>>;
  set(ruleId: string, engineRuleId: string): Promise<void>;
  remove(ruleId: string): Promise<void>;
}
