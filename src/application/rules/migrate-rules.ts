import type { DetectionRuleSpec } from '../../domain/detection-rule.js';
import type { AnalysisEngine } from '../ports/analysis-engine.js';

/** One of our detection rules, under the id its source knows it by. */
export interface SourceRule {
  readonly id: string;
  readonly spec: DetectionRuleSpec;
}

/** Where the rules to replay come from: our rule store, or (fallback) the engine the fleet uses today. */
export interface RuleSource {
  readonly describe: string;
  list(): Promise<readonly SourceRule[]>;
}

export interface MigrationReport {
  readonly source: string;
  readonly target: string;
  readonly total: number;
  readonly created: readonly { readonly id: string; readonly name: string; readonly engineRuleId: string }[];
  /** Already in the target with the same spec (a repeated migration creates nothing twice). */
  readonly alreadyPresent: readonly { readonly id: string; readonly engineRuleId: string }[];
  readonly failed: readonly { readonly id: string; readonly name: string; readonly message: string }[];
}

/** The rules an engine holds, as a source (`engine migrate --from-engine`): rules that exist only in the engine. */
export const engineRuleSource = (engine: AnalysisEngine, describe: string): RuleSource => ({
  describe,
  list: async () => (await engine.listRules()).map((r) => ({ id: r.engineRuleId, spec: specOf(r) })),
});

const specOf = (r: DetectionRuleSpec): DetectionRuleSpec => ({
  name: r.name,
  metric: r.metric,
  tagFilter: r.tagFilter,
  algorithm: r.algorithm,
  level: r.level,
  enabled: r.enabled,
});

const sortKeys = (o: object): [string, unknown][] => Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
/** Specs compare by content, whatever the key order the engine answered in. */
export const specKey = (s: DetectionRuleSpec): string =>
  JSON.stringify([s.name, s.metric, sortKeys(s.tagFilter), sortKeys(s.algorithm), s.level, s.enabled]);

/**
 * Replays every source rule into the target engine: a rule the target already holds with the same spec is
 * matched, not created again (each target rule matches once); every other rule is created. One rule the target
 * refuses is reported and never stops the others. Nothing is deleted from the target.
 */
export async function migrateRules(source: RuleSource, target: AnalysisEngine, targetName: string): Promise<MigrationReport> {
  const rules = await source.list();
  const existing = new Map<string, string[]>();
  for (const r of await target.listRules()) {
    const k = specKey(r);
    existing.set(k, [...(existing.get(k) ?? []), r.engineRuleId]);
  }
  const created: { id: string; name: string; engineRuleId: string }[] = [];
  const alreadyPresent: { id: string; engineRuleId: string }[] = [];
  const failed: { id: string; name: string; message: string }[] = [];
  for (const rule of rules) {
    const match = existing.get(specKey(rule.spec))?.shift();
    if (match !== undefined) {
      alreadyPresent.push({ id: rule.id, engineRuleId: match });
      continue;
    }
    try {
      const { engineRuleId } = await target.createRule(rule.spec);
      created.push({ id: rule.id, name: rule.spec.name, engineRuleId });
    } catch (err) {
      failed.push({ id: rule.id, name: rule.spec.name, message: err instanceof Error ? err.message : String(err) });
    }
  }
  return { source: source.describe, target: targetName, total: rules.length, created, alreadyPresent, failed };
}
