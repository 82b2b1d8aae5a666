import { createHash } from 'node:crypto';
import { EngineError } from '../../../application/ports/engine-errors.js';
import { ALARM_LEVELS, type AlarmLevel, type EngineAlarm } from '../../../domain/alarm.js';
import { decodeTags } from './series-names.js';

const bad = (field: string, expected: string): never => {
  throw new EngineError('contract', `GET /api/v1/alerts: ${field}: expected ${expected}`, false, { field });
};
const record = (v: unknown, field: string): Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : bad(field, 'an object');
const strings = (v: unknown, field: string): Record<string, string> => {
  const r = record(v, field);
  for (const [k, s] of Object.entries(r)) if (typeof s !== 'string') bad(`${field}.${k}`, 'a string');
  return r as Record<string, string>;
};

/** RFC 3339 with up to nanoseconds (Go) as ISO-8601 UTC with milliseconds. */
export function isoOfRfc3339(s: string, field: string): string {
  const ms = Date.parse(s.replace(/(\.\d{3})\d+/, '$1'));
  return Number.isNaN(ms) ? bad(field, 'an RFC 3339 time') : new Date(ms).toISOString();
}

/**
 * Prometheus's firing alerts of our rule set as our alarms. The alarm id is a hash of the rule id, the series'
 * labels and `activeAt` (when the breach began): the same while it fires, across polls and reloads, and new
 * when the series breaches again after a recovery. Pending alerts (inside `for:`) are not alarms yet.
 */
export function alarmsFromAlerts(data: unknown, ruleset: string, nowIso: string): EngineAlarm[] {
  const alerts = record(data, 'data').alerts;
  if (!Array.isArray(alerts)) bad('data.alerts', 'an array');
  const alarms: EngineAlarm[] = [];
  for (const [i, raw] of (alerts as unknown[]).entries()) {
    const a = record(raw, `data.alerts[${i}]`);
    const labels = strings(a.labels, `data.alerts[${i}].labels`);
    if (labels.aiops_ruleset !== ruleset || a.state !== 'firing') continue;
    const annotations = strings(a.annotations ?? {}, `data.alerts[${i}].annotations`);
    const ruleId = labels.aiops_rule_id ?? bad(`data.alerts[${i}].labels.aiops_rule_id`, 'a string');
    const level = labels.aiops_level as AlarmLevel;
    if (!ALARM_LEVELS.includes(level)) bad(`data.alerts[${i}].labels.aiops_level`, ALARM_LEVELS.join('|'));
    if (typeof a.activeAt !== 'string') bad(`data.alerts[${i}].activeAt`, 'a string');
    const activeAt = isoOfRfc3339(a.activeAt as string, `data.alerts[${i}].activeAt`);
    const value = typeof a.value === 'string' ? Number.parseFloat(a.value) : bad(`data.alerts[${i}].value`, 'a string');
    const tags = decodeTags(labels);
    const identity = JSON.stringify([ruleId, Object.entries(tags).sort(([x], [y]) => (x < y ? -1 : 1)), activeAt]);
    alarms.push({
      alarmId: `pa-${createHash('sha256').update(identity).digest('hex').slice(0, 24)}`,
      ruleId,
      ruleName: annotations.aiops_rule_name ?? labels.alertname ?? ruleId,
      metric: labels.aiops_metric ?? '',
      tags,
      level,
      status: 'firing',
      firstSeenAt: activeAt,
      lastSeenAt: nowIso,
      value: Number.isFinite(value) ? value : null,
      summary: annotations.summary ?? '',
    });
  }
  return alarms;
}
