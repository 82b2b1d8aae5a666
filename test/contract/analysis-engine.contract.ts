import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AnalysisEngine } from '../../src/application/ports/analysis-engine.js';
import type { EngineRequestHooks } from '../../src/application/ports/engine-budget.js';
import { EngineError } from '../../src/application/ports/engine-errors.js';
import type { EngineAlarm } from '../../src/domain/alarm.js';
import type { DetectionRuleSpec } from '../../src/domain/detection-rule.js';
import type { MetricPoint } from '../../src/domain/metric.js';
import { closedPortUrl, countingHooks, startCountingProxy, startGarbageServer } from './contract-support.js';

/**
 * The behaviours every `AnalysisEngine` adapter must have, in our domain types only. Each adapter's test file
 * calls this with a setup that starts its engine (or simulator); every test uses its own metric name, so the
 * tests do not depend on each other or on `reset`.
 */
export interface ContractSubject {
  readonly engine: AnalysisEngine;
  /** Clears the engine's state between tests, when the engine allows it. */
  readonly reset?: () => Promise<void>;
  readonly close: () => Promise<void>;
  /**
   * Another adapter of the same kind and settings, but sending to `baseUrl` (a proxy, a dead port, a server
   * that answers garbage), with `hooks` around every request.
   */
  /** The engine's base URL (for the counting proxy). */
  readonly url: string;
  readonly engineAt: (baseUrl: string, hooks?: EngineRequestHooks) => { engine: AnalysisEngine; close: () => void };
  /** The engine keeps alarm history of its own (Prometheus does not: our event store is the history). */
  readonly alarmHistory: boolean;
}

export interface ContractOptions {
  /** How long an engine may take to raise or resolve an alarm after the data says so (default 20 s). */
  readonly alarmTimeoutMs?: number;
  /** How often data is pushed and alarms are polled while waiting (default 250 ms). */
  readonly pollMs?: number;
}

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
let counter = 0;
const uniqueMetric = (): string => `contract_${Date.now().toString(36)}${(counter++).toString(36)}.value`;

/** Keeps pushing `value` for the series (as live data would arrive) until `found` returns something. */
async function pushUntil<T>(
  engine: AnalysisEngine,
  series: { metric: string; tags: Record<string, string> },
  value: number,
  found: () => Promise<T | undefined>,
  opts: Required<ContractOptions>,
): Promise<T> {
  const deadline = Date.now() + opts.alarmTimeoutMs;
  for (let i = 0; Date.now() < deadline; i++) {
    const point: MetricPoint = { name: series.metric, tags: series.tags, ts: Date.now(), value };
    await engine.pushMetrics([point], `contract-${series.metric}-${value}-${i}`);
    const hit = await found();
    if (hit !== undefined) return hit;
    await sleep(opts.pollMs);
  }
  throw new Error(`nothing after ${opts.alarmTimeoutMs} ms of pushing ${value} to ${series.metric}`);
}

const thresholdRule = (metric: string, tags: Record<string, string>): DetectionRuleSpec => ({
  name: `contract ${metric} > 50`,
  metric,
  tagFilter: tags,
  algorithm: { kind: 'threshold', operator: '>', value: 50, durationSeconds: 0 },
  level: 'major',
  enabled: true,
});

export function describeAnalysisEngineContract(name: string, setup: () => Promise<ContractSubject>, options: ContractOptions = {}): void {
  const opts: Required<ContractOptions> = { alarmTimeoutMs: options.alarmTimeoutMs ?? 20_000, pollMs: options.pollMs ?? 250 };

  describe(`AnalysisEngine contract: ${name}`, () => {
    let subject: ContractSubject;
    let engine: AnalysisEngine;
    beforeAll(async () => {
      subject = await setup();
      engine = subject.engine;
    });
    afterAll(async () => {
      await subject?.close();
    });
    beforeEach(async () => {
      await subject.reset?.();
    });

    describe('when points were pushed', () => {
      it('shows them in the trend as actual values, with the model band, in ISO-8601 UTC', async () => {
        const metric = uniqueMetric();
        const tags = { host: 'contract-1' };
        const now = Date.now();
        const points: MetricPoint[] = Array.from({ length: 12 }, (_, i) => ({ name: metric, tags, ts: now - (11 - i) * 5_000, value: 42 }));
        const { accepted } = await engine.pushMetrics(points, `contract-trend-${metric}`);
        expect(accepted).toBe(12);

        const startMs = now - 60_000;
        const trend = await engine.trend({ metric, tags, startMs, endMs: now + 60_000, stepSeconds: 5 });
        expect(trend.metric).toBe(metric);
        const actual = trend.points.filter((p) => p.actual !== null);
        expect(actual.length).toBeGreaterThanOrEqual(10);
        for (const p of actual) expect(p.actual).toBeCloseTo(42, 6);
        for (const p of trend.points) {
          expect(p.at).toMatch(ISO_UTC);
          expect(Date.parse(p.at)).toBeGreaterThanOrEqual(startMs - 5_000);
        }
        const times = trend.points.map((p) => Date.parse(p.at));
        expect(times).toEqual([...times].sort((a, b) => a - b));
        expect(trend.points.some((p) => p.predicted !== null)).toBe(true);
        // Points in the future carry a forecast only.
        for (const p of trend.points.filter((q) => Date.parse(q.at) > Date.now())) expect(p.actual).toBeNull();
      });
    });

    describe('rules', () => {
      const specs = (metric: string): DetectionRuleSpec[] => [
        { ...thresholdRule(metric, { host: 'web-*' }), level: 'critical' },
        {
          name: `contract ${metric} baseline`,
          metric,
          tagFilter: { dc: 'sh' },
          algorithm: { kind: 'baseline', windowSeconds: 3600, sensitivity: 3, direction: 'both', durationSeconds: 60 },
          level: 'minor',
          enabled: true,
        },
        {
          name: `contract ${metric} forecast`,
          metric,
          tagFilter: {},
          algorithm: { kind: 'forecast', horizonSeconds: 1800, operator: '>=', value: 95 },
          level: 'warning',
          enabled: false,
        },
      ];

      it('round-trips create, list, update and delete in our own types', async () => {
        const metric = uniqueMetric();
        const created: { id: string; spec: DetectionRuleSpec }[] = [];
        for (const spec of specs(metric)) created.push({ id: (await engine.createRule(spec)).engineRuleId, spec });
        expect(new Set(created.map((c) => c.id)).size).toBe(3);

        const listed = await engine.listRules();
        for (const { id, spec } of created) {
          const rule = listed.find((r) => r.engineRuleId === id);
          expect(rule).toMatchObject(spec);
          expect(rule?.createdAt).toMatch(ISO_UTC);
          expect(rule?.updatedAt).toMatch(ISO_UTC);
        }

        const [first] = created as [{ id: string; spec: DetectionRuleSpec }];
        const changed: DetectionRuleSpec = {
          ...first.spec,
          name: `${first.spec.name} (edited)`,
          algorithm: { kind: 'threshold', operator: '<=', value: 7.5, durationSeconds: 120 },
          level: 'warning',
          enabled: false,
        };
        await engine.updateRule(first.id, changed);
        expect((await engine.listRules()).find((r) => r.engineRuleId === first.id)).toMatchObject(changed);

        for (const { id } of created) await engine.deleteRule(id);
        const after = await engine.listRules();
        expect(after.filter((r) => created.some((c) => c.id === r.engineRuleId))).toEqual([]);
      });
    });

    describe('when pushed data breaches a rule', () => {
      it('reports a current alarm for it, which leaves the current alarms once the data is normal again', async () => {
        const metric = uniqueMetric();
        const tags = { host: 'contract-alarm' };
        const startMs = Date.now() - 1_000;
        const { engineRuleId } = await engine.createRule(thresholdRule(metric, tags));
        try {
          const firing = await pushUntil(engine, { metric, tags }, 99, async () => {
            const snapshot = await engine.listCurrentAlarms();
            expect(snapshot.complete).toBe(true);
            return snapshot.alarms.find((a) => a.ruleId === engineRuleId);
          }, opts);
          expect(firing).toMatchObject({ metric, tags, level: 'major', status: 'firing' } satisfies Partial<EngineAlarm>);
          expect(firing.firstSeenAt).toMatch(ISO_UTC);
          expect(firing.value).toBeGreaterThan(50);

          // Same alarm id on every poll while it fires: the identity our alarm store keys on.
          const again = await engine.listCurrentAlarms();
          expect(again.alarms.filter((a) => a.ruleId === engineRuleId).map((a) => a.alarmId)).toEqual([firing.alarmId]);

          await pushUntil(engine, { metric, tags }, 1, async () => {
            const current = await engine.listCurrentAlarms();
            expect(current.complete).toBe(true);
            return current.alarms.some((a) => a.alarmId === firing.alarmId) ? undefined : true;
          }, opts);
          const history = await engine.listAlarmHistory({ startMs, endMs: Date.now() + 60_000 });
          if (subject.alarmHistory) {
            const resolved = history.alarms.find((a) => a.alarmId === firing.alarmId && a.status === 'resolved');
            expect(resolved?.resolvedAt).toMatch(ISO_UTC);
            expect(Date.parse(resolved?.resolvedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(firing.firstSeenAt));
          } else {
            // No history in the engine: an empty answer that says it is not the whole story.
            expect(history).toEqual({ alarms: [], complete: false });
          }
        } finally {
          await engine.deleteRule(engineRuleId);
        }
      });
    });

    describe('times', () => {
      it('come back as ISO-8601 UTC at the instants the points were pushed, with their values', async () => {
        const metric = uniqueMetric();
        const tags = { host: 'contract-tz' };
        const base = Math.floor(Date.now() / 10_000) * 10_000 - 60_000;
        const points = Array.from({ length: 6 }, (_, i) => ({ name: metric, tags, ts: base + i * 10_000, value: 10 + i }));
        await engine.pushMetrics(points, `contract-tz-${metric}`);
        const trend = await engine.trend({ metric, tags, startMs: base, endMs: base + 50_000, stepSeconds: 10 });
        const byInstant = new Map(trend.points.map((p) => [p.at, p.actual]));
        for (const p of points) expect(byInstant.get(new Date(p.ts).toISOString())).toBeCloseTo(p.value, 6);
        for (const p of trend.points) expect(p.at).toMatch(ISO_UTC);
      });
    });

    describe('errors', () => {
      it('are unavailable when nothing listens at the engine address', async () => {
        const { engine: down, close } = subject.engineAt(await closedPortUrl());
        try {
          await expect(down.listCurrentAlarms()).rejects.toMatchObject({ name: 'EngineError', kind: 'unavailable', retryable: true });
          await expect(down.pushMetrics([{ name: uniqueMetric(), tags: {}, ts: Date.now(), value: 1 }], 'contract-down')).rejects.toMatchObject({ kind: 'unavailable' });
        } finally {
          close();
        }
      });

      it('are rejected for a rule the engine cannot run, and nothing is created', async () => {
        const metric = uniqueMetric();
        const before = (await engine.listRules()).length;
        const noMetric: DetectionRuleSpec = { ...thresholdRule(metric, {}), metric: '' };
        const noWindow: DetectionRuleSpec = {
          ...thresholdRule(metric, {}),
          algorithm: { kind: 'baseline', windowSeconds: 0, sensitivity: 3, direction: 'up', durationSeconds: 0 },
        };
        for (const bad of [noMetric, noWindow]) {
          const err: unknown = await engine.createRule(bad).then(() => 'created', (e: unknown) => e);
          expect(err).toBeInstanceOf(EngineError);
          expect(err).toMatchObject({ kind: 'rejected', retryable: false });
        }
        expect((await engine.listRules()).length).toBe(before);
      });

      it('are contract errors when the engine answers with a shape we do not know', async () => {
        const garbage = await startGarbageServer();
        const { engine: confused, close } = subject.engineAt(garbage.url);
        try {
          await expect(confused.listCurrentAlarms()).rejects.toMatchObject({ name: 'EngineError', kind: 'contract', retryable: false });
          const now = Date.now();
          await expect(confused.trend({ metric: uniqueMetric(), tags: {}, startMs: now - 60_000, endMs: now, stepSeconds: 10 })).rejects.toMatchObject({ kind: 'contract' });
        } finally {
          close();
          await garbage.close();
        }
      });
    });

    describe('with request hooks (the fleet budget)', () => {
      it('takes exactly one grant and reports one outcome per HTTP request it sends', async () => {
        const proxy = await startCountingProxy(subject.url);
        const hooks = countingHooks();
        const { engine: counted, close } = subject.engineAt(proxy.url, hooks);
        try {
          const metric = uniqueMetric();
          const tags = { host: 'contract-budget' };
          await counted.pushMetrics([{ name: metric, tags, ts: Date.now(), value: 3 }], `contract-budget-${metric}`);
          const { engineRuleId } = await counted.createRule(thresholdRule(metric, tags));
          await counted.listRules();
          await counted.listCurrentAlarms();
          await counted.trend({ metric, tags, startMs: Date.now() - 60_000, endMs: Date.now() + 30_000, stepSeconds: 10 });
          await counted.deleteRule(engineRuleId);
          expect(proxy.requests()).toBeGreaterThanOrEqual(5);
          expect(hooks.grants.length).toBe(proxy.requests());
          // Outcomes feed the adaptive rate; an adapter may leave some requests unreported (数智慧's logins are),
          // never report more than it sent.
          expect(hooks.outcomes.length).toBeGreaterThanOrEqual(proxy.requests() - 1);
          expect(hooks.outcomes.length).toBeLessThanOrEqual(proxy.requests());
          expect(hooks.grants).toContain('bulk');
          expect(hooks.grants).toContain('poll');
          expect(hooks.grants).toContain('interactive');
        } finally {
          close();
          await proxy.close();
        }
      });
    });
  });
}
