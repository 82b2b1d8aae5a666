import type { EngineAlarm } from '../../../domain/alarm.js';
import type { Trend, TrendPoint, TrendQuery } from '../../../domain/trend.js';
import { type Check, arr, field, id, maybeNum, nullableNum, obj, oneOf, optional, str, stringMap } from './shape.js';
import { epochMs, levelFromEngine, shanghaiTime } from './vocabulary.js';

/** Engine alarm and trend JSON → our domain types, checked field by field. */

const STATUS = { FIRING: 'firing', RECOVERED: 'resolved' } as const;

export const alarmFromEngine: Check<EngineAlarm> = (v, path) => {
  const a = obj(v, path);
  const status = STATUS[field(a, 'status', path, oneOf('FIRING', 'RECOVERED'))];
  const resolvedAt = field(a, 'recoverTime', path, optional(shanghaiTime));
  return {
    alarmId: field(a, 'alarmId', path, id),
    ruleId: field(a, 'ruleId', path, id),
    ruleName: field(a, 'ruleName', path, str),
    metric: field(a, 'metric', path, str),
    tags: field(a, 'tags', path, stringMap),
    level: field(a, 'level', path, levelFromEngine),
    status,
    firstSeenAt: field(a, 'firstTime', path, shanghaiTime),
    lastSeenAt: field(a, 'lastTime', path, shanghaiTime),
    ...(resolvedAt === undefined ? {} : { resolvedAt }),
    value: field(a, 'value', path, nullableNum),
    summary: field(a, 'content', path, str),
  };
};

const trendPoint: Check<TrendPoint> = (v, path) => {
  const p = obj(v, path);
  return {
    at: field(p, 't', path, epochMs),
    actual: field(p, 'v', path, nullableNum),
    predicted: field(p, 'pred', path, maybeNum),
    lower: field(p, 'lower', path, maybeNum),
    upper: field(p, 'upper', path, maybeNum),
  };
};

export const trendFromEngine = (data: unknown, query: TrendQuery): Trend => {
  const d = obj(data, 'data');
  return { metric: field(d, 'metric', 'data', str), tags: query.tags, points: field(d, 'points', 'data', arr(trendPoint)) };
};

/** `tags=host:web-1,dc:sh`: the engine's encoding has no escape, so a `,` or `:` inside a tag cannot be sent. */
export function encodeTagQuery(tags: Readonly<Record<string, string>>): string | { invalid: string } {
  const parts: string[] = [];
  for (const [k, val] of Object.entries(tags)) {
    if (/[,:]/.test(k) || /[,:]/.test(val)) return { invalid: `${k}=${val}` };
    parts.push(`${k}:${val}`);
  }
  return parts.join(',');
}
