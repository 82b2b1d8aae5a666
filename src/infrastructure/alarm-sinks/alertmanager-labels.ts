import { createHash } from 'node:crypto';
import type { AlarmView } from '../../domain/alarms/alarm-events.js';

/** Labels we set ourselves; a tag with one of these names is renamed `tag_<name>`. */
export const OWN_LABELS = ['alertname', 'alarm_id', 'rule_id', 'metric', 'severity'] as const;
const OWN = new Set<string>(OWN_LABELS);

/** Alertmanager 0.25 (Prometheus model) accepts label names matching this; `__` starts a reserved name. */
export const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export interface TagLabels {
  /** Label name → tag value, for every tag with a non-empty value. */
  readonly labels: Record<string, string>;
  /** Tag key → label name, for every tag whose key could not be used as it is (reported in the `tags` annotation). */
  readonly renamed: Record<string, string>;
}

/**
 * A tag key as a label name: characters outside `[a-zA-Z0-9_]` become `_` (per UTF-16 unit, so `主机` is `__`),
 * a leading digit or an empty key gets a `_` in front, a reserved `__` start becomes `tag__`, and a name we use
 * ourselves becomes `tag_<name>`.
 */
export function sanitiseLabelName(key: string): string {
  let name = key.replace(/[^a-zA-Z0-9_]/g, '_');
  if (name === '' || /^[0-9]/.test(name)) name = `_${name}`;
  if (name.startsWith('__')) name = `tag${name}`;
  if (OWN.has(name)) name = `tag_${name}`;
  return name;
}

const shortHash = (text: string, n: number): string => createHash('sha256').update(text, 'utf8').digest('hex').slice(0, n);

/**
 * Tags → labels, one label per tag, deterministic for a tag set. Keys that are already valid names keep them;
 * a sanitised name that is already taken (two keys sanitise alike: `host.name`, `host-name`) gets `_` and the
 * first 8 hex digits of the SHA-256 of its original key appended, so distinct keys stay distinct and each keeps
 * the same label for as long as the alarm lives (an alarm's tags are part of its identity and never change).
 * Empty values are left out (Alertmanager treats an empty label as absent); every tag is in the `tags` annotation.
 */
export function tagLabels(tags: Readonly<Record<string, string>>): TagLabels {
  // No prototype: a tag key such as `toString` or `constructor` is an ordinary key here.
  const labels: Record<string, string> = Object.create(null) as Record<string, string>;
  const renamed: Record<string, string> = Object.create(null) as Record<string, string>;
  const taken = new Set<string>(OWN);
  const keys = Object.keys(tags).sort();
  // Valid keys first, so a key is never pushed aside by another key's sanitised form.
  const ordered = [...keys.filter((k) => sanitiseLabelName(k) === k), ...keys.filter((k) => sanitiseLabelName(k) !== k)];
  for (const key of ordered) {
    let name = sanitiseLabelName(key);
    // Sanitised again: `_` + `_<hash>` would start with the reserved `__`.
    for (let n = 8; taken.has(name); n += 4) name = sanitiseLabelName(`${sanitiseLabelName(key)}_${shortHash(key, n)}`);
    taken.add(name);
    if (name !== key) renamed[key] = name;
    const value = tags[key] ?? '';
    if (value !== '') labels[name] = value;
  }
  return { labels, renamed };
}

/** `alertname` is a label value (any UTF-8), kept readable: control characters out, blanks collapsed. */
export function alertName(ruleName: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = ruleName.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 200);
  return clean === '' ? 'aiops_alarm' : clean;
}

/**
 * The label set of an alarm in Alertmanager: built only from fields that never change for one alarm id, plus
 * `severity`, which an `AlarmUpdated` may change (the sink then ends the alert of the old severity). Alertmanager
 * identifies an alert by its label set, so a resolve built from the same alarm always matches its firing alert.
 */
export function alarmLabels(alarm: AlarmView, severity: string = alarm.severity): Record<string, string> {
  return {
    ...tagLabels(alarm.tags).labels,
    alertname: alertName(alarm.ruleName),
    alarm_id: alarm.id,
    rule_id: alarm.ruleId,
    metric: alarm.metric,
    severity,
  };
}
