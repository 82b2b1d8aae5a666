import type { Decider } from '../decider.js';
import type { DetectionRuleSpec } from '../detection-rule.js';

/** Stream of one rule: `rule-<id>` (category `rule`). */
export const ruleStream = (ruleId: string): string => `rule-${ruleId}`;
export const RULE_CATEGORY = 'rule';

/** Every command names the rule version it was decided against (the ETag the client sent as If-Match). */
type Versioned<T> = T & { readonly ruleId: string; readonly expectedVersion: number; readonly now: string };

export type RuleCommand =
  | Versioned<{ readonly type: 'CreateRule'; readonly spec: DetectionRuleSpec }>
  | Versioned<{ readonly type: 'UpdateRule'; readonly spec: DetectionRuleSpec }>
  | Versioned<{ readonly type: 'EnableRule' }>
  | Versioned<{ readonly type: 'DisableRule' }>
  | Versioned<{ readonly type: 'DeleteRule' }>;

type At = { readonly ruleId: string; readonly at: string };
export type RuleEvent =
  | { readonly type: 'RuleCreated'; readonly data: At & { readonly spec: DetectionRuleSpec } }
  | { readonly type: 'RuleUpdated'; readonly data: At & { readonly spec: DetectionRuleSpec } }
  | { readonly type: 'RuleEnabled'; readonly data: At }
  | { readonly type: 'RuleDisabled'; readonly data: At }
  | { readonly type: 'RuleDeleted'; readonly data: At };

export type RuleState =
  | { readonly status: 'absent'; readonly version: 0 }
  | { readonly status: 'active'; readonly version: number; readonly ruleId: string; readonly spec: DetectionRuleSpec; readonly createdAt: string; readonly updatedAt: string }
  | { readonly status: 'deleted'; readonly version: number; readonly ruleId: string; readonly deletedAt: string };

export type RuleErrorCode = 'RULE.NOT_FOUND' | 'RULE.ALREADY_EXISTS' | 'RULE.VERSION_MISMATCH';

export class RuleError extends Error {
  constructor(
    readonly code: RuleErrorCode,
    message: string,
    readonly currentVersion: number,
  ) {
    super(message);
    this.name = 'RuleError';
  }
}

const evolve = (state: RuleState, event: RuleEvent): RuleState => {
  const version = state.version + 1;
  switch (event.type) {
    case 'RuleCreated':
      return { status: 'active', version, ruleId: event.data.ruleId, spec: event.data.spec, createdAt: event.data.at, updatedAt: event.data.at };
    case 'RuleUpdated':
      return state.status === 'active' ? { ...state, version, spec: event.data.spec, updatedAt: event.data.at } : state;
    case 'RuleEnabled':
    case 'RuleDisabled':
      return state.status === 'active' ? { ...state, version, spec: { ...state.spec, enabled: event.type === 'RuleEnabled' }, updatedAt: event.data.at } : state;
    case 'RuleDeleted':
      return { status: 'deleted', version, ruleId: event.data.ruleId, deletedAt: event.data.at };
    default: {
      const never: never = event;
      throw new TypeError(`unknown rule event ${JSON.stringify(never)}`);
    }
  }
};

const decide = (command: RuleCommand, state: RuleState): RuleEvent | readonly RuleEvent[] => {
  // Optimistic concurrency the client can see: a write names the version it read; anything else is stale.
  if (command.expectedVersion !== state.version) {
    throw new RuleError('RULE.VERSION_MISMATCH', `rule ${command.ruleId} is at version ${state.version}, not ${command.expectedVersion}`, state.version);
  }
  const data = { ruleId: command.ruleId, at: command.now };
  if (command.type === 'CreateRule') {
    if (state.status !== 'absent') throw new RuleError('RULE.ALREADY_EXISTS', `rule ${command.ruleId} exists`, state.version);
    return { type: 'RuleCreated', data: { ...data, spec: command.spec } };
  }
  if (state.status !== 'active') throw new RuleError('RULE.NOT_FOUND', `rule ${command.ruleId} does not exist`, state.version);
  switch (command.type) {
    case 'UpdateRule':
      return JSON.stringify(command.spec) === JSON.stringify(state.spec) ? [] : { type: 'RuleUpdated', data: { ...data, spec: command.spec } };
    case 'EnableRule':
      return state.spec.enabled ? [] : { type: 'RuleEnabled', data };
    case 'DisableRule':
      return state.spec.enabled ? { type: 'RuleDisabled', data } : [];
    case 'DeleteRule':
      return { type: 'RuleDeleted', data };
    default: {
      const never: never = command;
      throw new TypeError(`unknown rule command ${JSON.stringify(never)}`);
    }
  }
};

/** A detection rule of our own model, event-sourced; the engine's copy is converged to it by the reconciler. */
export const ruleDecider = {
  initialState: (): RuleState => ({ status: 'absent', version: 0 }),
  evolve,
  decide,
} satisfies Decider<RuleState, RuleCommand, RuleEvent>;
