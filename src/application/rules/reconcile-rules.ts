import type { DetectionRuleSpec, EngineRule } from '../../domain/detection-rule.js';
import type { AnalysisEngine } from '../ports/analysis-engine.js';
import type { EngineRuleLinks } from '../ports/engine-rule-links.js';
import type { EventStore } from '../ports/event-store.js';
import { listRules } from './rules.js';

export interface Drift {
  readonly ruleId: string;
  /** missing: gone from the engine (deleted in its UI, or an empty engine); changed: edited behind our back. */
  readonly kind: 'missing' | 'changed';
}

export interface ReconcileReport {
  readonly created: number;
  readonly updated: number;
  readonly deleted: number;
  readonly drift: readonly Drift[];
  readonly errors: readonly { readonly ruleId: string; readonly message: string }[];
}

const sameSpec = (a: DetectionRuleSpec, b: DetectionRuleSpec): boolean => {
  const pick = (s: DetectionRuleSpec) => JSON.stringify([s.name, s.metric, Object.entries(s.tagFilter).sort(), s.algorithm, s.level, s.enabled]);
  return pick(a) === pick(b);
};

/**
 * Makes the engine's rules converge to ours (our event store is the source of truth): a rule of ours with no
 * engine copy is created (an empty engine is refilled), a copy that differs is overwritten, a copy of a rule we
 * deleted is deleted. Engine rules we never created are left alone. One failing rule never stops the others;
 * whatever failed is retried at the next run, within the engine budget like any interactive call.
 */
export const reconcileRules = async (deps: { store: EventStore; engine: AnalysisEngine; links: EngineRuleLinks }): Promise<ReconcileReport> => {
  const [{ active, deleted }, engineRules, links] = await Promise.all([listRules(deps.store), deps.engine.listRules(), deps.links.all()]);
  const inEngine = new Map<string, EngineRule>(engineRules.map((r) => [r.engineRuleId, r]));
  let created = 0, updated = 0, removed = 0;
  const drift: Drift[] = [];
  const errors: { ruleId: string; message: string }[] = [];
  const attempt = async (ruleId: string, work: () => Promise<void>): Promise<void> => {
    await work().catch((err: unknown) => void errors.push({ ruleId, message: err instanceof Error ? err.message : String(err) }));
  };
  for (const rule of active) {
    const engineId = links.get(rule.ruleId);
    const copy = engineId === undefined ? undefined : inEngine.get(engineId);
    if (!copy) {
      if (engineId !== undefined) drift.push({ ruleId: rule.ruleId, kind: 'missing' });
      await attempt(rule.ruleId, async () => {
        const { engineRuleId } = await deps.engine.createRule(rule.spec);
        await deps.links.set(rule.ruleId, engineRuleId);
        created++;
      });
    } else if (!sameSpec(copy, rule.spec)) {
      drift.push({ ruleId: rule.ruleId, kind: 'changed' });
      await attempt(rule.ruleId, async () => {
        await deps.engine.updateRule(copy.engineRuleId, rule.spec);
        updated++;
      });
    }
  }
  for (const ruleId of deleted) {
    const engineId = links.get(ruleId);
    if (engineId === undefined) continue;
    await attempt(ruleId, async () => {
      if (inEngine.has(engineId)) await deps.engine.deleteRule(engineId);
      await deps.links.remove(ruleId);
      removed++;
    });
  }
  return { created, updated, deleted: removed, drift, errors };
};
