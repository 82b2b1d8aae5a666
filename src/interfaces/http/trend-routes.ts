import { Router, type Request } from 'express';
import type { Trend, TrendQuery } from '../../domain/trend.js';
import type { ProblemField } from './problem.js';
import { problemOf } from './problem.js';
import { requireScope } from './auth.js';

export interface TrendLimits {
  readonly maxPoints: number;
  readonly minStepSeconds: number;
  readonly maxStepSeconds: number;
}

const KNOWN = new Set(['metric', 'from', 'to', 'step']);
const TAG = /^tag\.([A-Za-z0-9_.\-/:]{1,128})$/;
const HOUR_MS = 3_600_000;

/**
 * Query → TrendQuery, with every problem named. The validator has checked the documented parameters' types;
 * what the contract cannot say (tag.<key> parameters, from < to, step bounds, point count) is checked here.
 */
export const parseTrendRequest = (req: Request, limits: TrendLimits, nowMs: number): TrendQuery => {
  const errors: ProblemField[] = [];
  const tags: Record<string, string> = {};
  for (const [name, raw] of Object.entries(req.query)) {
    if (KNOWN.has(name)) continue;
    const tag = TAG.exec(name);
    if (!tag?.[1]) errors.push({ pointer: `query.${name}`, message: 'unknown parameter (tag filters are tag.<key>=<value>)' });
    else if (typeof raw !== 'string' || raw === '') errors.push({ pointer: `query.${name}`, message: 'must appear once, with a value' });
    else tags[tag[1]] = raw;
  }
  const q = req.query as Record<string, string | undefined>;
  const step = q.step === undefined ? 60 : Number(q.step);
  const endMs = q.to === undefined ? nowMs : Date.parse(q.to);
  const startMs = q.from === undefined ? endMs - HOUR_MS : Date.parse(q.from);
  if (step < limits.minStepSeconds || step > limits.maxStepSeconds) {
    errors.push({ pointer: 'query.step', message: `must be between ${limits.minStepSeconds} and ${limits.maxStepSeconds} seconds` });
  }
  if (!(startMs < endMs)) errors.push({ pointer: 'query.from', message: 'must be before to' });
  const points = Math.floor((endMs - startMs) / (step * 1000)) + 1;
  if (errors.length === 0 && points > limits.maxPoints) {
    errors.push({ pointer: 'query.step', message: `the range holds ${points} points at this step; at most ${limits.maxPoints} (use a larger step or a shorter range)` });
  }
  if (errors.length > 0) throw problemOf(400, 'the trend query is not valid', { type: '/problems/validation', title: 'The request does not match the API contract', errors });
  return { metric: q.metric as string, tags, startMs, endMs, stepSeconds: step };
};

/** Our schema: no engine field names; `forecast` marks the points after now. */
export const trendBody = (trend: Trend, q: TrendQuery, nowMs: number) => ({
  metric: q.metric,
  tags: q.tags,
  from: new Date(q.startMs).toISOString(),
  to: new Date(q.endMs).toISOString(),
  step: q.stepSeconds,
  points: trend.points.map((p) => ({
    at: p.at,
    value: p.actual,
    predicted: p.predicted,
    lower: p.lower,
    upper: p.upper,
    forecast: Date.parse(p.at) > nowMs,
  })),
});

export const trendRoutes = (deps: { trend: (q: TrendQuery) => Promise<Trend>; limits: TrendLimits; now?: () => number }): Router => {
  const r = Router();
  const now = deps.now ?? Date.now;
  r.get('/api/v1/trends', requireScope('read'), async (req, res) => {
    const q = parseTrendRequest(req, deps.limits, now());
    const trend = await deps.trend(q);
    res.json(trendBody(trend, q, now()));
  });
  return r;
};
