import type { DetectionAlgorithm, DetectionRuleSpec, EngineRule } from '../../../domain/detection-rule.js';
import { type Check, field, id, num, obj, oneOf, str, stringMap } from './shape.js';
import { levelFromEngine, levelToEngine, shanghaiTime } from './vocabulary.js';

/**
 * Our `DetectionRuleSpec` ↔ the engine's rule JSON. Durations are seconds on both sides; only names differ
 * (`durationSeconds` ↔ `duration`, `windowSeconds` ↔ `window`, `horizonSeconds` ↔ `horizon`).
 */
export interface EngineRuleBody {
  readonly ruleName: string;
  readonly metric: string;
  readonly tagFilter: Readonly<Record<string, string>>;
  readonly algorithm: DetectionAlgorithm['kind'];
  readonly params: Readonly<Record<string, string | number>>;
  readonly level: 1 | 2 | 3 | 4;
  readonly enabled: 1 | 0;
}

function paramsToEngine(a: DetectionAlgorithm): EngineRuleBody['params'] {
  switch (a.kind) {
    case 'threshold':
      return { operator: a.operator, value: a.value, duration: a.durationSeconds };
    case 'baseline':
      return { window: a.windowSeconds, sensitivity: a.sensitivity, direction: a.direction, duration: a.durationSeconds };
    case 'forecast':
      return { horizon: a.horizonSeconds, operator: a.operator, value: a.value };
    default: {
      const never: never = a;
      throw new Error(`unknown algorithm ${JSON.stringify(never)}`);
    }
  }
}

export const ruleToEngine = (r: DetectionRuleSpec): EngineRuleBody => ({
  ruleName: r.name,
  metric: r.metric,
  tagFilter: r.tagFilter,
  algorithm: r.algorithm.kind,
  params: paramsToEngine(r.algorithm),
  level: levelToEngine(r.level),
  enabled: r.enabled ? 1 : 0,
});

const operator = oneOf('>', '>=', '<', '<=');

const algorithmFromEngine = (rule: Record<string, unknown>, path: string): DetectionAlgorithm => {
  const kind = field(rule, 'algorithm', path, oneOf('threshold', 'baseline', 'forecast'));
  const p = field(rule, 'params', path, obj);
  const pp = `${path}.params`;
  switch (kind) {
    case 'threshold':
      return { kind, operator: field(p, 'operator', pp, operator), value: field(p, 'value', pp, num), durationSeconds: field(p, 'duration', pp, num) };
    case 'baseline':
      return {
        kind,
        windowSeconds: field(p, 'window', pp, num),
        sensitivity: field(p, 'sensitivity', pp, num),
        direction: field(p, 'direction', pp, oneOf('up', 'down', 'both')),
        durationSeconds: field(p, 'duration', pp, num),
      };
    case 'forecast':
      return { kind, horizonSeconds: field(p, 'horizon', pp, num), operator: field(p, 'operator', pp, operator), value: field(p, 'value', pp, num) };
  }
};

export const ruleFromEngine: Check<EngineRule> = (v, path) => {
  const r = obj(v, path);
  return {
    engineRuleId: field(r, 'ruleId', path, id),
    name: field(r, 'ruleName', path, str),
    metric: field(r, 'metric', path, str),
    tagFilter: field(r, 'tagFilter', path, stringMap),
    algorithm: algorithmFromEngine(r, path),
    level: field(r, 'level', path, levelFromEngine),
    enabled: field(r, 'enabled', path, oneOf(1, 0)) === 1,
    createdAt: field(r, 'createTime', path, shanghaiTime),
    updatedAt: field(r, 'updateTime', path, shanghaiTime),
  };
};
