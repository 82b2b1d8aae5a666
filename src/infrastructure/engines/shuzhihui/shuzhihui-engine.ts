import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { AlarmList, AnalysisEngine } from '../../../application/ports/analysis-engine.js';
import type { CallClass, EngineRequestHooks } from '../../../application/ports/engine-budget.js';
import { EngineError } from '../../../application/ports/engine-errors.js';
import type { DetectionRuleSpec, EngineRule } from '../../../domain/detection-rule.js';
import type { MetricPoint } from '../../../domain/metric.js';
import type { Trend, TrendQuery } from '../../../domain/trend.js';
import { alarmFromEngine, encodeTagQuery, trendFromEngine } from './alarm-mapping.js';
import { type Chunk, chunkBody, halve, splitPoints } from './batching.js';
import { type EngineLogger, type ResolvedShuzhihuiConfig, type ShuzhihuiConfig, resolveConfig, silentLogger } from './config.js';
import { EngineClient } from './engine-client.js';
import { isTooLarge } from './envelope.js';
import { type PagedList, readAllPages } from './pager.js';
import { ruleFromEngine, ruleToEngine } from './rule-mapping.js';
import { field, id, inContext, num, obj } from './shape.js';

const gzip = promisify(zlib.gzip);
const JSON_HEADERS = { 'content-type': 'application/json' } as const;
const json = (v: unknown): Buffer => Buffer.from(JSON.stringify(v));

/** Remembered accepted chunks, so a retried push in this process skips what the engine already took. */
const ACCEPTED_MEMORY = 20_000;

/** The 数智慧 engine behind our `AnalysisEngine` port. */
export class ShuzhihuiEngine implements AnalysisEngine {
  readonly #cfg: ResolvedShuzhihuiConfig;
  readonly #client: EngineClient;
  readonly #accepted = new Map<string, number>();

  constructor(
    config: ShuzhihuiConfig,
    private readonly log: EngineLogger = silentLogger,
    hooks?: EngineRequestHooks,
  ) {
    this.#cfg = resolveConfig(config);
    this.#client = new EngineClient(this.#cfg, log, hooks);
  }

  async pushMetrics(points: readonly MetricPoint[], requestId: string): Promise<{ accepted: number }> {
    const { chunks, skipped } = splitPoints(points, this.#cfg.maxItemsPerRequest, this.#cfg.maxBytesPerRequest);
    if (skipped > 0) this.log.warn({ requestId, skipped }, 'points with a non-finite value not sent');
    let accepted = 0;
    // One chunk after another: the caller's rate limit counts a push as one call, so we do not fan out.
    for (const [i, chunk] of chunks.entries()) accepted += await this.#pushChunk(chunk, `${requestId}:${i}`);
    return { accepted };
  }

  async #pushChunk(chunk: Chunk, chunkId: string): Promise<number> {
    const known = this.#accepted.get(chunkId);
    if (known !== undefined) return known;
    try {
      const accepted = await this.#postChunk(chunk, chunkId);
      this.#accepted.set(chunkId, accepted);
      if (this.#accepted.size > ACCEPTED_MEMORY) this.#accepted.delete(this.#accepted.keys().next().value as string);
      return accepted;
    } catch (e) {
      if (!isTooLarge(e)) throw e;
      if (chunk.length === 1) throw new EngineError('rejected', `${e.message}: a single point is too large`, false, e.details);
      // Within our limits yet too large for the engine: its limits are lower than configured. Halving keeps
      // data flowing; the ids stay deterministic, so a retry of the whole push is still recognisable.
      this.log.warn({ chunkId, items: chunk.length }, 'engine refused a chunk as too large; halving (lower maxItemsPerRequest/maxBytesPerRequest)');
      const [a, b] = halve(chunk);
      return (await this.#pushChunk(a, `${chunkId}.0`)) + (await this.#pushChunk(b, `${chunkId}.1`));
    }
  }

  async #postChunk(chunk: Chunk, chunkId: string): Promise<number> {
    const raw = Buffer.from(chunkBody(chunk));
    const body = this.#cfg.gzip ? await gzip(raw, { level: this.#cfg.gzipLevel }) : raw;
    const headers = { ...JSON_HEADERS, 'x-request-id': chunkId, ...(this.#cfg.gzip ? { 'content-encoding': 'gzip' } : {}) };
    const path = this.#cfg.paths.metricsBatch;
    const data = await this.#client.call({ method: 'POST', path, body, headers, idempotent: false, cls: 'bulk' });
    return inContext(`POST ${path}`, () => field(obj(data, 'data'), 'accepted', 'data', num));
  }

  async trend(query: TrendQuery): Promise<Trend> {
    const tags = encodeTagQuery(query.tags);
    if (typeof tags !== 'string') throw new EngineError('rejected', `trend: tag ${tags.invalid} contains ',' or ':', which the engine cannot express`, false, { field: 'tags' });
    const qs = new URLSearchParams({ metric: query.metric });
    if (tags) qs.set('tags', tags);
    qs.set('start', String(query.startMs));
    qs.set('end', String(query.endMs));
    qs.set('step', String(query.stepSeconds));
    const path = this.#cfg.paths.trend;
    const data = await this.#client.call({ method: 'GET', path: `${path}?${qs.toString()}`, idempotent: true, cls: 'interactive' });
    return inContext(`GET ${path}`, () => trendFromEngine(data, query));
  }

  async listRules(): Promise<EngineRule[]> {
    // Our rule reconciler creates whatever it does not see, so a partial rule list is worse than none: read
    // again once if the list moved, then fail (retryably) rather than return it.
    for (let attempt = 1; ; attempt++) {
      const list = await this.#pages('interactive', this.#cfg.paths.rulesPage, {}, ruleFromEngine, (r) => r.engineRuleId);
      if (list.complete) return list.items;
      if (list.failure) throw list.failure;
      if (attempt === 2) throw new EngineError('unavailable', `rule list kept changing while paging: ${list.reasons.join('; ')}`, true);
    }
  }

  async createRule(rule: DetectionRuleSpec): Promise<{ engineRuleId: string }> {
    const path = this.#cfg.paths.rules;
    const data = await this.#client.call({ method: 'POST', path, body: json(ruleToEngine(rule)), headers: JSON_HEADERS, idempotent: false, cls: 'interactive' });
    return { engineRuleId: inContext(`POST ${path}`, () => field(obj(data, 'data'), 'ruleId', 'data', id)) };
  }

  async updateRule(engineRuleId: string, rule: DetectionRuleSpec): Promise<void> {
    await this.#client.call({ method: 'PUT', path: this.#rulePath(engineRuleId), body: json(ruleToEngine(rule)), headers: JSON_HEADERS, idempotent: true, cls: 'interactive' });
  }

  async deleteRule(engineRuleId: string): Promise<void> {
    await this.#client.call({ method: 'DELETE', path: this.#rulePath(engineRuleId), idempotent: true, cls: 'interactive' });
  }

  listCurrentAlarms(): Promise<AlarmList> {
    return this.#alarms(this.#cfg.paths.alarmsCurrentPage, {});
  }

  listAlarmHistory(range: { startMs: number; endMs: number }): Promise<AlarmList> {
    return this.#alarms(this.#cfg.paths.alarmsHistoryPage, { startTime: range.startMs, endTime: range.endMs });
  }

  async close(): Promise<void> {
    this.#client.close();
  }

  async #alarms(path: string, filter: Record<string, number>): Promise<AlarmList> {
    const list = await this.#pages('poll', path, filter, alarmFromEngine, (a) => a.alarmId);
    if (!list.complete) this.log.warn({ path, err: list.failure, reasons: list.reasons, read: list.items.length }, 'alarm list incomplete');
    return { alarms: list.items, complete: list.complete, pages: list.pages, drift: list.drift };
  }

  #pages<T>(cls: CallClass, path: string, filter: Record<string, number>, item: (v: unknown, p: string) => T, key: (t: T) => string): Promise<PagedList<T>> {
    const pageSize = this.#cfg.pageSize;
    return readAllPages({
      what: `POST ${path}`,
      pageSize,
      maxPages: this.#cfg.maxPages,
      item,
      key,
      fetchPage: (pageNum) =>
        this.#client.call({ method: 'POST', path, body: json({ pageNum, pageSize, ...filter }), headers: JSON_HEADERS, idempotent: true, cls }),
    });
  }

  #rulePath(engineRuleId: string): string {
    return this.#cfg.paths.rule.replace('{ruleId}', encodeURIComponent(engineRuleId));
  }
}

/** `hooks`: the fleet-wide budget and breaker, awaited before every HTTP request (see EngineRequestHooks). */
export function createShuzhihuiEngine(config: ShuzhihuiConfig, logger?: EngineLogger, hooks?: EngineRequestHooks): ShuzhihuiEngine {
  return new ShuzhihuiEngine(config, logger, hooks);
}
