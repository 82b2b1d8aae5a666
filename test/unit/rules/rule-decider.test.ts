import { describe, it } from 'vitest';
import type { DetectionRuleSpec } from '../../../src/domain/detection-rule.js';
import { RuleError, ruleDecider, type RuleCommand, type RuleEvent } from '../../../src/domain/rules/rule-decider.js';
import { deciderSpec } from '../../support/decider-spec.js';

const spec: DetectionRuleSpec = {
  name: 'cpu high',
  metric: 'cpu.usage',
  tagFilter: { host: 'web-*' },
  algorithm: { kind: 'threshold', operator: '>', value: 90, durationSeconds: 60 },
  level: 'major',
  enabled: true,
};
const at = '2026-12-02T00:00:00.000Z';
const id = 'r1';
const cmd = <T extends RuleCommand['type']>(type: T, expectedVersion: number, more: object = {}): RuleCommand =>
  ({ type, ruleId: id, expectedVersion, now: at, ...more }) as RuleCommand;
const created: RuleEvent = { type: 'RuleCreated', data: { ruleId: id, at, spec } };
const disabled: RuleEvent = { type: 'RuleDisabled', data: { ruleId: id, at } };
const deleted: RuleEvent = { type: 'RuleDeleted', data: { ruleId: id, at } };
const rules = deciderSpec(ruleDecider);
const code = (c: string) => (e: unknown) => e instanceof RuleError && e.code === c;

describe('a rule that does not exist', () => {
  it('is created', () => rules.given([]).when(cmd('CreateRule', 0, { spec })).then(created));
  it('cannot be updated', () => rules.given([]).when(cmd('UpdateRule', 0, { spec })).thenThrows(code('RULE.NOT_FOUND')));
});

describe('an enabled rule at version 1', () => {
  it('is updated when the spec changes', () =>
    rules.given([created]).when(cmd('UpdateRule', 1, { spec: { ...spec, name: 'x' } })).then({ type: 'RuleUpdated', data: { ruleId: id, at, spec: { ...spec, name: 'x' } } }));
  it('records nothing for the same spec', () => rules.given([created]).when(cmd('UpdateRule', 1, { spec })).thenNothingHappened());
  it('is disabled', () => rules.given([created]).when(cmd('DisableRule', 1)).then(disabled));
  it('records nothing when enabled again', () => rules.given([created]).when(cmd('EnableRule', 1)).thenNothingHappened());
  it('refuses a write based on another version', () => rules.given([created]).when(cmd('DisableRule', 0)).thenThrows(code('RULE.VERSION_MISMATCH')));
  it('cannot be created again', () => rules.given([created]).when(cmd('CreateRule', 1, { spec })).thenThrows(code('RULE.ALREADY_EXISTS')));
  it('is deleted', () => rules.given([created]).when(cmd('DeleteRule', 1)).then(deleted));
});

describe('a disabled rule', () => {
  it('is at version 2, disabled', () =>
    rules.given([created]).when(cmd('DisableRule', 1)).thenState({ status: 'active', version: 2, ruleId: id, spec: { ...spec, enabled: false }, createdAt: at, updatedAt: at }));
  it('is enabled again', () => rules.given([created, disabled]).when(cmd('EnableRule', 2)).then({ type: 'RuleEnabled', data: { ruleId: id, at } }));
});

describe('a deleted rule', () => {
  it('cannot be changed', () => rules.given([created, deleted]).when(cmd('EnableRule', 2)).thenThrows(code('RULE.NOT_FOUND')));
});
