import { randomBytes } from 'node:crypto';
import type { RuleInput } from './rule-validation.js';
import { formatShanghai } from './time-format.js';
import type { Rule } from './types.js';

/** The rule table. Changes bump `version` so the evaluator can forget breach state of an edited rule. */
export class RuleStore {
  private readonly rules = new Map<string, Rule>();
  private seq = 0;

  create(input: RuleInput, nowMs: number): Rule {
    const time = formatShanghai(nowMs);
    const rule = this.build(input, `r-${randomBytes(6).toString('hex')}`, time, time, ++this.seq);
    this.rules.set(rule.ruleId, rule);
    return rule;
  }

  update(ruleId: string, input: RuleInput, nowMs: number): Rule | undefined {
    const existing = this.rules.get(ruleId);
    if (existing === undefined) return undefined;
    const rule = this.build(input, ruleId, existing.createTime, formatShanghai(nowMs), existing.seq);
    this.rules.set(ruleId, rule);
    return rule;
  }

  delete(ruleId: string): boolean {
    return this.rules.delete(ruleId);
  }

  get(ruleId: string): Rule | undefined {
    return this.rules.get(ruleId);
  }

  /** Newest first, like every list of the engine. */
  list(): Rule[] {
    return [...this.rules.values()].sort((a, b) => b.seq - a.seq);
  }

  clear(): void {
    this.rules.clear();
  }

  private build(input: RuleInput, ruleId: string, createTime: string, updateTime: string, seq: number): Rule {
    const { spec, ...rest } = input;
    return { ruleId, ...rest, ...spec, createTime, updateTime, seq } as Rule;
  }
}

/** The rule as the API shows it (without internal fields). */
export const publicRule = (rule: Rule): Omit<Rule, 'seq'> => {
  const { seq: _seq, ...shown } = rule;
  return shown;
};

/** PUT may send only the fields it changes: merge them over the stored rule before validating the whole. */
export const mergeForUpdate = (rule: Rule, body: Record<string, unknown>): Record<string, unknown> => {
  const merged: Record<string, unknown> = { ...publicRule(rule), ...body };
  // A changed algorithm without params cannot reuse the old algorithm's params.
  if (body.algorithm !== undefined && body.algorithm !== rule.algorithm && body.params === undefined) delete merged.params;
  return merged;
};
