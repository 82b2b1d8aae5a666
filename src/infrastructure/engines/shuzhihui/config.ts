/**
 * Configuration of the 数智慧 adapter. Everything we only assumed about the engine's private API (paths, auth
 * mode, limits) lives here, so that pointing the adapter at the real engine is a configuration change.
 */
export interface ShuzhihuiPaths {
  readonly login: string;
  readonly metricsBatch: string;
  readonly trend: string;
  readonly rulesPage: string;
  readonly rules: string;
  /** One rule; `{ruleId}` is replaced by the URL-encoded engine rule id. */
  readonly rule: string;
  readonly alarmsCurrentPage: string;
  readonly alarmsHistoryPage: string;
}

export interface ShuzhihuiConfig {
  /** e.g. `http://127.0.0.1:18080`; a path prefix (`http://host/szh`) is kept in front of every path. */
  readonly baseUrl: string;
  readonly paths?: Partial<ShuzhihuiPaths>;
  /** What the engine's web UI sends: `Authorization: Bearer <token>`, or the session cookie set at login. */
  readonly auth: { readonly mode: 'bearer' | 'cookie'; readonly username: string; readonly password: string };
  readonly timeouts?: {
    /** TCP connect (default 3 s). */
    readonly connectMs?: number;
    /** Whole request, from send to the last response byte (default 15 s). */
    readonly requestMs?: number;
  };
  /** The engine answers 413 past these (defaults 5000 items, 4 MiB of uncompressed JSON). */
  readonly maxItemsPerRequest?: number;
  readonly maxBytesPerRequest?: number;
  /** Send metric batches with `Content-Encoding: gzip` (default true). */
  readonly gzip?: boolean;
  /** zlib level of that gzip, 1–9 (default 1: fastest; see EngineConfig.gzipLevel). */
  readonly gzipLevel?: number;
  /** Page size for rule and alarm lists (default 100). */
  readonly pageSize?: number;
  /** Safety stop for paging: a list longer than pageSize × maxPages is reported incomplete (default 1000). */
  readonly maxPages?: number;
  /** Keep-alive connections kept open to the engine (default 16). */
  readonly maxConnections?: number;
  /**
   * After refused credentials, no login for `baseMs` (default 1 s), doubled per refusal in a row up to `maxMs`
   * (default 60 s): a wrong password costs ~6 logins a minute, not one per call (account lockouts).
   */
  readonly loginBackoff?: { readonly baseMs?: number; readonly maxMs?: number };
}

export type ResolvedShuzhihuiConfig = Required<Omit<ShuzhihuiConfig, 'paths' | 'timeouts' | 'loginBackoff'>> & {
  readonly paths: ShuzhihuiPaths;
  readonly loginBackoff: { readonly baseMs: number; readonly maxMs: number };
  readonly timeouts: { readonly connectMs: number; readonly requestMs: number };
};

/** The paths of ENGINE-API.md. */
export const DEFAULT_PATHS: ShuzhihuiPaths = {
  login: '/api/auth/login',
  metricsBatch: '/api/v1/metrics/batch',
  trend: '/api/v1/metrics/trend',
  rulesPage: '/api/v1/anomaly/rules/page',
  rules: '/api/v1/anomaly/rules',
  rule: '/api/v1/anomaly/rules/{ruleId}',
  alarmsCurrentPage: '/api/v1/alarms/current/page',
  alarmsHistoryPage: '/api/v1/alarms/history/page',
};

const positive = (name: string, value: number): number => {
  if (!Number.isFinite(value) || value <= 0) throw new Error(`shuzhihui config: ${name} must be a positive number`);
  return value;
};

export function resolveConfig(config: ShuzhihuiConfig): ResolvedShuzhihuiConfig {
  const url = new URL(config.baseUrl); // throws on a malformed base URL, at start-up rather than on first call
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('shuzhihui config: baseUrl must be http(s)');
  if (!config.auth.username || !config.auth.password) throw new Error('shuzhihui config: auth username and password are required');
  const paths = { ...DEFAULT_PATHS, ...config.paths };
  if (!paths.rule.includes('{ruleId}')) throw new Error('shuzhihui config: paths.rule must contain {ruleId}');
  return {
    baseUrl: config.baseUrl.replace(/\/+$/, ''),
    paths,
    auth: config.auth,
    timeouts: {
      connectMs: positive('timeouts.connectMs', config.timeouts?.connectMs ?? 3_000),
      requestMs: positive('timeouts.requestMs', config.timeouts?.requestMs ?? 15_000),
    },
    maxItemsPerRequest: positive('maxItemsPerRequest', config.maxItemsPerRequest ?? 5_000),
    maxBytesPerRequest: positive('maxBytesPerRequest', config.maxBytesPerRequest ?? 4 * 1024 * 1024),
    gzip: config.gzip ?? true,
    gzipLevel: gzipLevelOf(config.gzipLevel ?? 1),
    pageSize: positive('pageSize', config.pageSize ?? 100),
    maxPages: positive('maxPages', config.maxPages ?? 1_000),
    maxConnections: positive('maxConnections', config.maxConnections ?? 16),
    loginBackoff: {
      baseMs: positive('loginBackoff.baseMs', config.loginBackoff?.baseMs ?? 1_000),
      maxMs: positive('loginBackoff.maxMs', config.loginBackoff?.maxMs ?? 60_000),
    },
  };
}

/** The subset of pino's API the adapter uses (object first, message second), so a pino child logger fits. */
export interface EngineLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

const noop = (): void => undefined;
export const silentLogger: EngineLogger = { debug: noop, info: noop, warn: noop, error: noop };

function gzipLevelOf(level: number): number {
  if (!Number.isInteger(level) || level < 1 || level > 9) throw new Error(`shuzhihui config: gzipLevel must be an integer from 1 to 9, got ${level}`);
  return level;
}
