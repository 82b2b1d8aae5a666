import { isRecord } from './http-io.js';
import type { Direction, Operator, RuleSpec, Tags } from './types.js';

/** What a create or update body must contain once merged with the stored rule. */
export interface RuleInput {
  ruleName: string;
  metric: string;
  tagFilter: Tags;
  level: 1 | 2 | 3 | 4;
  enabled: 0 | 1;
  spec: RuleSpec;
}

export type RuleCheck = { kind: 'ok'; rule: RuleInput } | { kind: 'invalid'; field: string; problem: string };

class Invalid extends Error {
  constructor(readonly field: string, readonly problem: string) {
    super(`${field}: ${problem}`);
  }
}

const OPERATORS: readonly Operator[] = ['>', '>=', '<', '<='];
const DIRECTIONS: readonly Direction[] = ['up', 'down', 'both'];

const str = (v: unknown, field: string): string => {
  if (typeof v !== 'string' || v.trim() === '') throw new Invalid(field, 'must be a non-empty string');
  return v;
};
const num = (v: unknown, field: string, min = -Infinity, fallback?: number): number => {
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Invalid(field, 'must be a number');
  if (v < min) throw new Invalid(field, `must be at least ${min}`);
  return v;
};
const oneOf = <T extends string>(v: unknown, field: string, allowed: readonly T[]): T => {
  if (!allowed.includes(v as T)) throw new Invalid(field, `must be one of ${allowed.join(', ')}`);
  return v as T;
};

const tagFilterOf = (v: unknown): Tags => {
  if (v === undefined || v === null) return {};
  if (!isRecord(v)) throw new Invalid('tagFilter', 'must be an object of string globs');
  for (const [k, g] of Object.entries(v)) if (typeof g !== 'string') throw new Invalid(`tagFilter.${k}`, 'must be a string');
  return v as Tags;
};

const specOf = (algorithm: unknown, params: unknown): RuleSpec => {
  const alg = oneOf(algorithm, 'algorithm', ['threshold', 'baseline', 'forecast'] as const);
  if (!isRecord(params)) throw new Invalid('params', 'must be an object');
  switch (alg) {
    case 'threshold':
      return { algorithm: alg, params: {
        operator: oneOf(params.operator, 'params.operator', OPERATORS),
        value: num(params.value, 'params.value'),
        duration: num(params.duration, 'params.duration', 0, 0),
      } };
    case 'baseline':
      return { algorithm: alg, params: {
        window: num(params.window, 'params.window', 1),
        sensitivity: num(params.sensitivity, 'params.sensitivity', 0),
        direction: oneOf(params.direction ?? 'both', 'params.direction', DIRECTIONS),
        duration: num(params.duration, 'params.duration', 0, 0),
      } };
    case 'forecast':
      return { algorithm: alg, params: {
        horizon: num(params.horizon, 'params.horizon', 1),
        operator: oneOf(params.operator, 'params.operator', OPERATORS),
        value: num(params.value, 'params.value'),
      } };
    default: {
      const never: never = alg;
      throw new Invalid('algorithm', `unsupported ${String(never)}`);
    }
  }
};

/** Validates a full rule body; `enabled` is the engine's 1|0 (booleans are refused so mapping bugs show). */
export const checkRule = (body: unknown): RuleCheck => {
  try {
    if (!isRecord(body)) throw new Invalid('body', 'must be a JSON object');
    const level = body.level;
    if (level !== 1 && level !== 2 && level !== 3 && level !== 4) throw new Invalid('level', 'must be 1, 2, 3 or 4');
    const enabled = body.enabled ?? 1;
    if (enabled !== 0 && enabled !== 1) throw new Invalid('enabled', 'must be 1 or 0');
    return { kind: 'ok', rule: {
      ruleName: str(body.ruleName, 'ruleName'),
      metric: str(body.metric, 'metric'),
      tagFilter: tagFilterOf(body.tagFilter),
      level,
      enabled,
      spec: specOf(body.algorithm, body.params),
    } };
  } catch (err) {
    if (err instanceof Invalid) return { kind: 'invalid', field: err.field, problem: err.problem };
    throw err;
  }
};
