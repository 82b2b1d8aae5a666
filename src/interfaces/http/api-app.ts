import express, { type Express, type RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Queue } from 'bullmq';
import type { PipelineSamples } from '../../application/ports/pipeline-samples.js';
import type { Trend, TrendQuery } from '../../domain/trend.js';
import { alarmRoutes } from './alarm-routes.js';
import { allowlistRoutes, type AllowlistRouteDeps } from './allowlist-routes.js';
import { authenticate, requireScope, type ApiKeys } from './auth.js';
import { consolePage, pipelineHistoryRoutes } from './console-routes.js';
import { RESPONSES_CHECKED } from './json-bytes.js';
import { openApiDocument, openApiValidator } from './openapi.js';
import { opsRoutes, type ReadinessCheck } from './ops-routes.js';
import { problemHandler, problemOf } from './problem.js';
import { queueDashboard } from './queue-dashboard.js';
import { rateLimitPerKey } from './rate-limit.js';
import { requestMetrics } from './request-metrics.js';
import { ruleRoutes } from './rule-routes.js';
import { trendRoutes, type TrendLimits } from './trend-routes.js';
import type { Registry } from 'prom-client';

export interface ApiAppDeps {
  readonly log: Logger;
  readonly keys: ApiKeys;
  readonly redis: Redis;
  readonly keyPrefix: string;
  readonly registry: Registry;
  readonly readiness: readonly ReadinessCheck[];
  readonly status: () => Promise<unknown>;
  readonly trend: (q: TrendQuery) => Promise<Trend>;
  readonly trendLimits: TrendLimits;
  readonly allowlist: AllowlistRouteDeps;
  readonly rules: Parameters<typeof ruleRoutes>[0];
  readonly alarms: Parameters<typeof alarmRoutes>[0];
  readonly dashboardQueues: readonly Queue[];
  /** The fleet's pipeline history (console sparklines). */
  readonly samples: PipelineSamples;
  /** Where the console's built bundle is (default dist/console). */
  readonly consoleDir?: string;
  readonly bodyLimitBytes: number;
  readonly rateLimit: { points: number; durationSeconds: number };
  /** Tests: check every response against the contract too (a mismatch becomes a 500 naming the field). */
  readonly validateResponses?: boolean;
  /** Runs first on every request (the role's drain gate). */
  readonly gate?: RequestHandler;
}

/**
 * The whole HTTP surface. Order matters: bodies are parsed within the limit and every request is validated
 * against the contract first; ops routes, the document and the console's static page need no key; the dashboard has its own Basic auth;
 * everything else under /api is authenticated, rate-limited per key, then routed. Any error ends in the one problem+json handler.
 */
export const buildApiApp = (deps: ApiAppDeps): Express => {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  if (deps.gate) app.use(deps.gate);
  app.use(requestMetrics(deps.registry));
  const limit = deps.bodyLimitBytes;
  app.use(express.json({ limit }), express.text({ limit, type: ['application/yaml', 'application/x-yaml', 'text/yaml'] }));
  app.use(openApiValidator({ validateResponses: deps.validateResponses ?? false, hotPaths: ['/api/v1/alarms'] }));
  app.set(RESPONSES_CHECKED, deps.validateResponses ?? false);
  app.use(opsRoutes({ registry: deps.registry, readiness: deps.readiness }));
  app.get('/api/v1/openapi.json', (_req, res) => {
    res.json(openApiDocument());
  });
  app.use(queueDashboard(deps.keys, deps.dashboardQueues));
  app.use(consolePage(deps.consoleDir));
  app.use('/api', authenticate(deps.keys), rateLimitPerKey(deps.redis, { keyPrefix: deps.keyPrefix, ...deps.rateLimit, log: deps.log }));
  app.get('/api/v1/status', requireScope('read'), async (_req, res) => {
    res.json(await deps.status());
  });
  // The alarm list first: the busiest route (the platform polls it) skips matching every other router's routes.
  app.use(alarmRoutes(deps.alarms));
  app.use(pipelineHistoryRoutes(deps.samples));
  app.use(trendRoutes({ trend: deps.trend, limits: deps.trendLimits }));
  app.use(allowlistRoutes(deps.allowlist));
  app.use(ruleRoutes(deps.rules));
  app.use((req, _res, next) => next(problemOf(404, `no route ${req.method} ${req.path}`)));
  app.use(problemHandler(deps.log));
  return app;
};
