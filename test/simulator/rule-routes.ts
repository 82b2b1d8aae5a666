import { isRecord } from './http-io.js';
import { failure, invalid, pageOf, parsePage, success, type Reply } from './reply.js';
import type { RouteContext } from './route-context.js';
import { checkRule } from './rule-validation.js';
import { mergeForUpdate, publicRule } from './rules.js';

export const listRules = ({ state, body }: RouteContext): Reply => {
  const parsed = parsePage(body);
  if (parsed.kind === 'invalid') return parsed.reply;
  const { failPage, shapeChange } = state.faults.faults;
  return pageOf(state.rules.list(), parsed.page, publicRule, failPage, shapeChange);
};

export const createRule = ({ state, body, nowMs }: RouteContext): Reply => {
  const checked = checkRule(body);
  if (checked.kind === 'invalid') return invalid(checked.field, checked.problem);
  const rule = state.rules.create(checked.rule, nowMs);
  return success(state.faults.faults.shapeChange ? { id: rule.ruleId } : { ruleId: rule.ruleId });
};

const notFound = (ruleId: string): Reply => failure(404, `rule not found: ${ruleId}`, 'notFound');

/** Fields left out of a PUT keep their values; an edited rule's alarms recover and are judged afresh. */
export const updateRule = ({ state, body, params, nowMs }: RouteContext): Reply => {
  const ruleId = params.ruleId ?? '';
  const existing = state.rules.get(ruleId);
  if (existing === undefined) return notFound(ruleId);
  if (!isRecord(body)) return invalid('body', 'must be a JSON object');
  const checked = checkRule(mergeForUpdate(existing, body));
  if (checked.kind === 'invalid') return invalid(checked.field, checked.problem);
  state.rules.update(ruleId, checked.rule, nowMs);
  state.alarms.recoverRule(ruleId, nowMs);
  return success(null);
};

export const deleteRule = ({ state, params, nowMs }: RouteContext): Reply => {
  const ruleId = params.ruleId ?? '';
  if (!state.rules.delete(ruleId)) return notFound(ruleId);
  state.alarms.recoverRule(ruleId, nowMs);
  return success(null);
};
