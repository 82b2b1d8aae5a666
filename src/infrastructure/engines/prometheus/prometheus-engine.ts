import { randomUUID } from 'node:crypto';
import { pushTimeseries } from 'prometheus-remote-write';
import type { AnalysisEngine } from '../../../application/ports/analysis-engine.js';
import type { EngineRequestHooks } from '../../../application/ports/engine-budget.js';
import { EngineError, isEngineError } from '../../../application/ports/engine-errors.js';
import type { EngineAlarm } from '../../../domain/alarm.js';
import type { DetectionRuleSpec, EngineRule } from '../../../domain/detection-rule.js';
import type { MetricPoint } from '../../../domain/metric.js';
import type { Trend, TrendQuery } from '../../../domain/trend.js';
import type { EngineLogger } from '../shuzhihui/config.js';
import { alarmsFromAlerts } from './alert-mapping.js';
import { type PrometheusConfig, type ResolvedPrometheusConfig, resolvePrometheusConfig } from './config.js';
import { PromHttp } from './prom-http.js';
import { checkRule } from './promql.js';
import { RulesFile } from './rules-file.js';
import { seriesOf } from './series-batch.js';
import { assembleTrend, bandRulesFor, matrixByQuery, stepTimes, trendQueries } from './trend-query.js';

/**
 * What Prometheus 2.42 answers for samples it will not store: 400 for out-of-order and duplicates, but 500 for
 * a sample older than the out-of-order window. A refusal of our data, not an engine fault.
 */
const SAMPLE_REFUSALS = /too old sample|out of bounds|out of order sample|duplicate sample for timestamp/i;

const silent: EngineLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * Prometheus behind our `AnalysisEngine` port: metrics in by remote write, our rules as a generated alerting
 * rule file (+ POST /-/reload), alarms from GET /api/v1/alerts, trends from query_range. See
 * docs/architecture.md "The engine is replaceable" for what differs from 数智慧.
 */
export class PrometheusEngine implements AnalysisEngine {
  readonly #cfg: ResolvedPrometheusConfig;
  readonly #http: PromHttp;
  readonly #rules: RulesFile;

  constructor(
    config: PrometheusConfig,
    private readonly log: EngineLogger = silent,
    hooks?: EngineRequestHooks,
  ) {
    this.#cfg = resolvePrometheusConfig(config);
    this.#http = new PromHttp(this.#cfg.url, this.#cfg.timeoutMs, hooks, this.#cfg.headers);
    this.#rules = new RulesFile({
      dir: this.#cfg.rulesDir,
      name: this.#cfg.ruleSet,
      promtool: this.#cfg.promtool,
      reload: async () => void (await this.#http.request({ method: 'POST', path: '/-/reload', cls: 'interactive' })),
      onWarning: (m) => log.warn({ ruleSet: this.#cfg.ruleSet }, m),
    });
  }

  /**
   * Remote write, at most `maxSamplesPerRequest` samples a request. Prometheus takes a request whole or not at
   * all; a request it refuses (a sample older than the out-of-order window, a duplicate timestamp with another
   * value) is halved until the refused samples stand alone, so one bad sample never costs the good ones; then
   * the push fails as `rejected` naming how many were refused, so they are dead-lettered (kept, inspectable)
   * rather than lost. A retried push re-sends the same samples, which Prometheus takes again without change
   * (same time, same value) while they are inside the out-of-order window.
   */
  async pushMetrics(points: readonly MetricPoint[], requestId: string): Promise<{ accepted: number }> {
    const finite = points.filter((p) => Number.isFinite(p.value) && Number.isFinite(p.ts));
    if (finite.length < points.length) this.log.warn({ requestId, skipped: points.length - finite.length }, 'points with a non-finite value or time not sent');
    let accepted = 0;
    const refused: EngineError[] = [];
    for (let i = 0; i < finite.length; i += this.#cfg.maxSamplesPerRequest) {
      accepted += await this.#write(finite.slice(i, i + this.#cfg.maxSamplesPerRequest), requestId, refused);
    }
    if (refused.length > 0) {
      const first = refused[0] as EngineError;
      throw new EngineError('rejected', `${refused.length} of ${finite.length} samples refused (${accepted} stored); first: ${first.message}`, false, { ...first.details, field: 'points' });
    }
    return { accepted };
  }

  async #write(points: readonly MetricPoint[], requestId: string, refused: EngineError[]): Promise<number> {
    try {
      await pushTimeseries(seriesOf(points), { url: this.#http.url('/api/v1/write'), fetch: this.#remoteWriteFetch });
      return points.length;
    } catch (e) {
      if (!isEngineError(e) || e.kind !== 'rejected') throw e;
      if (points.length === 1) {
        this.log.warn({ requestId, metric: points[0]?.name, ts: points[0]?.ts, reason: e.message }, 'Prometheus refused a sample');
        refused.push(e);
        return 0;
      }
      const half = Math.ceil(points.length / 2);
      return (await this.#write(points.slice(0, half), requestId, refused)) + (await this.#write(points.slice(half), requestId, refused));
    }
  }

  /** The library's request, sent through our budgeted client (one grant per request, errors as EngineError). */
  readonly #remoteWriteFetch = async (_url: string, init?: { headers: Record<string, string>; body: ArrayBufferLike }) => {
    const body = init?.body instanceof Uint8Array ? init.body : new Uint8Array(init?.body ?? new ArrayBuffer(0));
    const res = await this.#http.request({ method: 'POST', path: '/api/v1/write', cls: 'bulk', refusal: SAMPLE_REFUSALS, headers: { ...init?.headers, 'X-Prometheus-Remote-Write-Version': '0.1.0' }, body });
    return { status: res.status, statusText: '', text: () => Promise.resolve(res.text) };
  };

  async trend(query: TrendQuery): Promise<Trend> {
    const times = stepTimes(query);
    const now = Date.now();
    const band = bandRulesFor((await this.#rules.read()).map((r) => r.spec), query.metric, query.tags);
    const exprs = trendQueries(query, band, now);
    const past = times.filter((t) => t <= now);
    const future = times.filter((t) => t > now);
    const range = async (expr: string, ts: number[]) => {
      if (ts.length === 0) return new Map();
      const qs = new URLSearchParams({ query: expr, start: ((ts[0] as number) / 1000).toFixed(3), end: ((ts.at(-1) as number) / 1000).toFixed(3), step: String(query.stepSeconds) });
      const data = await this.#http.api({ method: 'GET', path: `/api/v1/query_range?${qs.toString()}`, cls: 'interactive' });
      return matrixByQuery(data, 'GET /api/v1/query_range');
    };
    return assembleTrend(query, times, now, await range(exprs.past, past), await range(exprs.future, future), band);
  }

  async listRules(): Promise<EngineRule[]> {
    return (await this.#rules.read()).map((r) => ({ ...r.spec, engineRuleId: r.engineRuleId, createdAt: r.createdAt, updatedAt: r.updatedAt }));
  }

  async createRule(rule: DetectionRuleSpec): Promise<{ engineRuleId: string }> {
    checkRule(rule);
    const engineRuleId = `pr-${randomUUID()}`;
    const at = new Date().toISOString();
    return this.#rules.change((rules) => ({ rules: [...rules, { engineRuleId, spec: copySpec(rule), createdAt: at, updatedAt: at }], result: { engineRuleId } }));
  }

  async updateRule(engineRuleId: string, rule: DetectionRuleSpec): Promise<void> {
    checkRule(rule);
    return this.#rules.change((rules) => {
      const old = rules.find((r) => r.engineRuleId === engineRuleId) ?? notFound(engineRuleId);
      const next = { ...old, spec: copySpec(rule), updatedAt: new Date().toISOString() };
      return { rules: rules.map((r) => (r === old ? next : r)), result: undefined };
    });
  }

  async deleteRule(engineRuleId: string): Promise<void> {
    return this.#rules.change((rules) => {
      if (!rules.some((r) => r.engineRuleId === engineRuleId)) notFound(engineRuleId);
      return { rules: rules.filter((r) => r.engineRuleId !== engineRuleId), result: undefined };
    });
  }

  /** One request: the list is never paged, so a snapshot that arrived is complete. */
  async listCurrentAlarms(): Promise<{ alarms: EngineAlarm[]; complete: boolean }> {
    const data = await this.#http.api({ method: 'GET', path: '/api/v1/alerts', cls: 'poll' });
    return { alarms: alarmsFromAlerts(data, this.#cfg.ruleSet, new Date().toISOString()), complete: true };
  }

  /**
   * Prometheus keeps no alarm history (a resolved alert leaves /api/v1/alerts): our event store is the history.
   * An empty list marked incomplete, so that nothing is ever concluded (least of all a resolve) from it.
   */
  listAlarmHistory(): Promise<{ alarms: EngineAlarm[]; complete: boolean }> {
    return Promise.resolve({ alarms: [], complete: false });
  }

  close(): void {
    // fetch keeps no pool of ours to release.
  }
}

const notFound = (engineRuleId: string): never => {
  throw new EngineError('rejected', `rule ${engineRuleId}: no such rule`, false, { status: 404, field: 'engineRuleId' });
};

const copySpec = (r: DetectionRuleSpec): DetectionRuleSpec => ({
  name: r.name,
  metric: r.metric,
  tagFilter: { ...r.tagFilter },
  algorithm: { ...r.algorithm },
  level: r.level,
  enabled: r.enabled,
});
