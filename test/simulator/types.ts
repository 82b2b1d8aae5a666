/** Shared shapes of the simulator's in-memory model. Field names follow ENGINE-API.md exactly. */

export type Tags = Readonly<Record<string, string>>;

export type Operator = '>' | '>=' | '<' | '<=';
export type Direction = 'up' | 'down' | 'both';

export interface ThresholdParams { operator: Operator; value: number; duration: number }
export interface BaselineParams { window: number; sensitivity: number; direction: Direction; duration: number }
export interface ForecastParams { horizon: number; operator: Operator; value: number }

export type RuleSpec =
  | { algorithm: 'threshold'; params: ThresholdParams }
  | { algorithm: 'baseline'; params: BaselineParams }
  | { algorithm: 'forecast'; params: ForecastParams };

export type Rule = RuleSpec & {
  ruleId: string;
  ruleName: string;
  metric: string;
  tagFilter: Tags;
  level: 1 | 2 | 3 | 4;
  enabled: 0 | 1;
  createTime: string;
  updateTime: string;
  /** Internal creation order: ties in createTime (same second) still sort newest first. */
  seq: number;
};

export interface Alarm {
  alarmId: string;
  ruleId: string;
  ruleName: string;
  metric: string;
  tags: Tags;
  level: 1 | 2 | 3 | 4;
  status: 'FIRING' | 'RECOVERED';
  firstTime: string;
  lastTime: string;
  recoverTime?: string;
  value: number;
  content: string;
  /** Epoch ms behind the strings above, for sorting and range filters. */
  firstMs: number;
  lastMs: number;
  recoverMs?: number;
  seq: number;
}

export interface RateLimitFault {
  ratio: number;
  retryAfterSeconds: number;
  asEnvelope?: boolean;
  /** Extra beyond the brief: also refuse every /api request past this many in one wall-clock second. */
  maxPerSecond?: number;
}

export interface Faults {
  errorRatio: number;
  latencyMs: number;
  rateLimit: RateLimitFault | null;
  outage: boolean;
  /** How an outage shows: HTTP 503, a destroyed connection, or either at random (default). */
  outageMode: 'http503' | 'drop' | 'mixed';
  dropConnectionRatio: number;
  /** Extra: process the request, then destroy the connection instead of answering (lost responses → retries). */
  dropResponseRatio: number;
  failPage: number | null;
  shapeChange: boolean;
  http401OnExpiry: boolean;
  /** Strict engine: an item carrying this tag key makes the whole batch invalid (envelope 1001 naming the item). */
  rejectTag: string | null;
  /** As if the password were wrong or rotated: every login is refused (`invalid username or password`). */
  refuseLogins: boolean;
  /** A gateway in front of the engine answering every /api call: HTTP 403, HTTP 404, or an HTML page under HTTP 200. */
  gateway: 403 | 404 | 'html200' | null;
}

export const noFaults = (): Faults => ({
  errorRatio: 0,
  latencyMs: 0,
  rateLimit: null,
  outage: false,
  outageMode: 'mixed',
  dropConnectionRatio: 0,
  dropResponseRatio: 0,
  failPage: null,
  shapeChange: false,
  http401OnExpiry: false,
  rejectTag: null,
  refuseLogins: false,
  gateway: null,
});
