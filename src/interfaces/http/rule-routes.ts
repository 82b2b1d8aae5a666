import { randomUUID } from 'node:crypto';
import { Router, type Request } from 'express';
import type { ReconcileReport } from '../../application/rules/reconcile-rules.js';
import { executeRuleCommand, getRule, listRules, type ActiveRule } from '../../application/rules/rules.js';
import { isVersionConflict, type EventStore } from '../../application/ports/event-store.js';
import type { AlarmLevel } from '../../domain/alarm.js';
import type { DetectionAlgorithm, DetectionRuleSpec } from '../../domain/detection-rule.js';
import { RuleError, type RuleCommand } from '../../domain/rules/rule-decider.js';
import { actorOf, requireScope } from './auth.js';
import { problemOf } from './problem.js';

/** The API's rule body (docs/openapi.yaml RuleInput); the contract has checked its shape already. */
interface RuleInput {
  name: string;
  metric: string;
  tags?: Record<string, string>;
  detector: { kind: DetectionAlgorithm['kind'] } & Record<string, unknown>;
  severity: AlarmLevel;
  enabled?: boolean;
}

const toSpec = (b: RuleInput): DetectionRuleSpec => {
  const { kind, ...params } = b.detector;
  return { name: b.name, metric: b.metric, tagFilter: b.tags ?? {}, algorithm: { kind, ...params } as DetectionAlgorithm, level: b.severity, enabled: b.enabled ?? true };
};

const toBody = (r: ActiveRule) => ({
  id: r.ruleId,
  version: r.version,
  name: r.spec.name,
  metric: r.spec.metric,
  tags: r.spec.tagFilter,
  detector: r.spec.algorithm,
  severity: r.spec.level,
  enabled: r.spec.enabled,
  createdAt: r.createdAt,
  updatedAt: r.updatedAt,
});

/** If-Match `"3"` → 3; required on every write to an existing rule. */
const ifMatchVersion = (req: Request): number => {
  const header = req.headers['if-match'];
  if (!header) throw problemOf(428, 'send If-Match with the rule version (its ETag)');
  const v = Number(header.trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1'));
  if (!Number.isInteger(v) || v < 0) throw problemOf(412, `If-Match ${header} is no version of this rule`);
  return v;
};

/** Domain refusals → problems (the only place that knows HTTP statuses for them). */
const asProblem = (err: unknown): unknown => {
  if (err instanceof RuleError) {
    if (err.code === 'RULE.NOT_FOUND') return problemOf(404, err.message);
    if (err.code === 'RULE.ALREADY_EXISTS') return problemOf(409, err.message);
    return problemOf(412, `${err.message}; read it again (current ETag "${err.currentVersion}")`);
  }
  if (isVersionConflict(err)) return problemOf(412, 'the rule changed meanwhile; read it again');
  return err;
};

export const ruleRoutes = (deps: { store: EventStore; reconcile: () => Promise<ReconcileReport>; afterWrite?: () => void; now?: () => Date }): Router => {
  const r = Router();
  const now = (): string => (deps.now ?? (() => new Date()))().toISOString();
  const run = async (req: Request, command: RuleCommand): Promise<ActiveRule | null> => {
    const state = await executeRuleCommand(deps.store, command, actorOf(req)).catch((err: unknown) => {
      throw asProblem(err);
    });
    deps.afterWrite?.();
    return state.status === 'active' ? state : null;
  };
  const id = (req: Request): string => String(req.params.id);

  r.get('/api/v1/rules', requireScope('read'), async (_req, res) => {
    res.json({ rules: (await listRules(deps.store)).active.map(toBody) });
  });
  r.post('/api/v1/rules', requireScope('write'), async (req, res) => {
    const ruleId = randomUUID();
    const rule = await run(req, { type: 'CreateRule', ruleId, expectedVersion: 0, now: now(), spec: toSpec(req.body as RuleInput) });
    if (!rule) throw new Error('a created rule is active');
    res.status(201).setHeader('ETag', `"${rule.version}"`).setHeader('Location', `/api/v1/rules/${ruleId}`).json(toBody(rule));
  });
  r.post('/api/v1/rules/reconcile', requireScope('admin'), async (_req, res) => {
    res.json(await deps.reconcile());
  });
  r.get('/api/v1/rules/:id', requireScope('read'), async (req, res) => {
    const state = await getRule(deps.store, id(req));
    if (state.status !== 'active') throw problemOf(404, `no rule ${id(req)}`);
    res.setHeader('ETag', `"${state.version}"`).json(toBody(state));
  });
  r.put('/api/v1/rules/:id', requireScope('write'), async (req, res) => {
    const rule = await run(req, { type: 'UpdateRule', ruleId: id(req), expectedVersion: ifMatchVersion(req), now: now(), spec: toSpec(req.body as RuleInput) });
    if (!rule) throw problemOf(404, `no rule ${id(req)}`);
    res.setHeader('ETag', `"${rule.version}"`).json(toBody(rule));
  });
  for (const action of ['enable', 'disable'] as const) {
    r.post(`/api/v1/rules/:id/${action}`, requireScope('write'), async (req, res) => {
      const type = action === 'enable' ? 'EnableRule' : 'DisableRule';
      const rule = await run(req, { type, ruleId: id(req), expectedVersion: ifMatchVersion(req), now: now() });
      if (!rule) throw problemOf(404, `no rule ${id(req)}`);
      res.setHeader('ETag', `"${rule.version}"`).json(toBody(rule));
    });
  }
  r.delete('/api/v1/rules/:id', requireScope('write'), async (req, res) => {
    await run(req, { type: 'DeleteRule', ruleId: id(req), expectedVersion: ifMatchVersion(req), now: now() });
    res.status(204).end();
  });
  return r;
};
