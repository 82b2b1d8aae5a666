import { resolve } from 'node:path';
import type { AnalysisEngine } from '../../application/ports/analysis-engine.js';
import type { EngineRequestHooks } from '../../application/ports/engine-budget.js';
import type { AppConfig } from '../config/config-schema.js';
import { PrometheusEngine } from './prometheus/index.js';
import type { EngineLogger } from './shuzhihui/index.js';
import { createShuzhihuiEngine } from './shuzhihui/index.js';

export interface ClosableEngine extends AnalysisEngine {
  close(): void | Promise<void>;
}

/**
 * The analysis engine `engine.kind` names, with its settings from the same config. Callers see only the port:
 * switching engines is this one setting (plus `engine migrate` to carry the rules over).
 */
export function createEngine(config: AppConfig, log: EngineLogger, hooks?: EngineRequestHooks): ClosableEngine {
  const e = config.engine;
  switch (e.kind) {
    case 'shuzhihui':
      return createShuzhihuiEngine(
        {
          baseUrl: e.baseUrl,
          paths: definedOnly(e.paths),
          auth: { ...e.auth },
          gzip: e.gzip,
          gzipLevel: e.gzipLevel,
          timeouts: { requestMs: e.timeoutMs },
          maxItemsPerRequest: config.batch.maxPoints,
          loginBackoff: { baseMs: e.loginBackoffBaseMs, maxMs: e.loginBackoffMaxMs },
        },
        log,
        hooks,
      );
    case 'prometheus':
      return new PrometheusEngine(
        {
          url: e.prometheus.url,
          rulesDir: resolve(e.prometheus.rulesDir),
          ruleSet: e.prometheus.ruleSet,
          promtool: e.prometheus.promtool === '' ? false : e.prometheus.promtool,
          timeoutMs: e.timeoutMs,
          maxSamplesPerRequest: e.prometheus.maxSamplesPerRequest,
        },
        log,
        hooks,
      );
    default: {
      const unknown: never = e.kind;
      throw new TypeError(`engine.kind ${String(unknown)} is not known`);
    }
  }
}

/** Config leaves unset paths undefined; the adapter's defaults fill them. */
const definedOnly = <T extends object>(o: T): Partial<T> => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

/** Where the engine is, for logs (never credentials). */
export const engineAddress = (config: AppConfig): string =>
  config.engine.kind === 'prometheus' ? config.engine.prometheus.url : config.engine.baseUrl;

/**
 * Key prefix of the links from our rule ids to one engine's rule ids (the rule reconciler's memory). Each
 * engine has its own, so `engine migrate` can fill the next engine while the fleet still reconciles the current
 * one, and a switch back finds its old links. 数智慧 keeps the original key (`<prefix>:rule-engine-ids`).
 */
export const engineRuleLinksPrefix = (config: AppConfig): string =>
  config.engine.kind === 'shuzhihui' ? config.redis.keyPrefix : `${config.redis.keyPrefix}:${config.engine.kind}:${config.engine.prometheus.ruleSet}`;
