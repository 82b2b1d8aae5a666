import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { alarmLabels, alertName, LABEL_NAME, OWN_LABELS, sanitiseLabelName, tagLabels } from '../../../src/infrastructure/alarm-sinks/alertmanager-labels.js';
import { alarmView } from '../../support/alarm-sink-fixtures.js';

// Keys drawn to collide: short strings over a few characters that sanitise alike, plus any unicode.
const trickyKey = fc.oneof(
  fc.string({ unit: fc.constantFrom('a', '.', '-', '_', '1', '主', ' ', '/'), maxLength: 5 }),
  fc.constantFrom(...OWN_LABELS, '__name__', '__proto__', 'toString', 'tag_severity', '0', ''),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
);
const tagSet = fc.dictionary(trickyKey, fc.string({ maxLength: 6 }), { maxKeys: 12 });

describe('a tag set turned into Alertmanager labels', () => {
  it('gives only valid, non-reserved label names, one per tag with a value, never one of ours', () => {
    fc.assert(
      fc.property(tagSet, (tags) => {
        const { labels } = tagLabels(tags);
        for (const name of Object.keys(labels)) {
          expect(name).toMatch(LABEL_NAME);
          expect(name.startsWith('__')).toBe(false);
          expect(OWN_LABELS as readonly string[]).not.toContain(name);
        }
        expect(Object.keys(labels)).toHaveLength(Object.values(tags).filter((v) => v !== '').length);
      }),
      { numRuns: 500 },
    );
  });

  it('keeps distinct keys distinct and reports every key it had to rename', () => {
    fc.assert(
      fc.property(tagSet, (tags) => {
        const { labels, renamed } = tagLabels(tags);
        const nameOf = (k: string): string => (Object.hasOwn(renamed, k) ? renamed[k]! : k);
        const names = Object.keys(tags).map(nameOf);
        expect(new Set(names).size).toBe(names.length);
        for (const [k, v] of Object.entries(tags)) {
          if (v !== '') expect(labels[nameOf(k)]).toBe(v);
          if (!Object.hasOwn(renamed, k)) expect(k).toMatch(LABEL_NAME);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('gives the same labels for the same tags in any insertion order', () => {
    fc.assert(
      fc.property(tagSet, (tags) => {
        const reversed = Object.fromEntries(Object.entries(tags).reverse());
        expect(tagLabels(reversed)).toEqual(tagLabels(tags));
      }),
    );
  });

  it('leaves valid keys as they are and renames colliding ones by a hash of the original key', () => {
    const { labels, renamed } = tagLabels({ host_name: 'a', 'host.name': 'b', 'host-name': 'c', severity: 'x', '9lives': 'd' });
    expect(labels.host_name).toBe('a');
    expect(renamed['host.name']).toMatch(/^host_name_[0-9a-f]{8}$/);
    expect(renamed['host-name']).toMatch(/^host_name_[0-9a-f]{8}$/);
    expect(renamed['host.name']).not.toBe(renamed['host-name']);
    expect(renamed.severity).toBe('tag_severity');
    expect(renamed['9lives']).toBe('_9lives');
  });
});

describe('sanitiseLabelName', () => {
  it('maps invalid characters, leading digits, empty and reserved names to valid names', () => {
    expect(sanitiseLabelName('a.b-c')).toBe('a_b_c');
    expect(sanitiseLabelName('')).toBe('_');
    expect(sanitiseLabelName('__name__')).toBe('tag__name__');
    expect(sanitiseLabelName('主机')).toBe('tag__');
    expect(sanitiseLabelName('alertname')).toBe('tag_alertname');
  });
});

describe('an alarm as a label set', () => {
  it('carries identity labels and is the same for the firing and the resolved view', () => {
    const firing = alarmView({ tags: { host: 'web-1', 'k8s.pod': 'p-1' } });
    const resolvedView = { ...firing, status: 'resolved' as const, resolvedAt: new Date().toISOString(), value: 3, summary: 'ok now' };
    const labels = alarmLabels(firing);
    expect(labels).toMatchObject({ alertname: 'CPU busy', alarm_id: firing.id, rule_id: 'rule-7', metric: 'cpu.usage_idle', severity: 'major', host: 'web-1', k8s_pod: 'p-1' });
    expect(alarmLabels(resolvedView)).toEqual(labels);
  });

  it('keeps a readable alertname, without control characters, never empty', () => {
    expect(alertName('  磁盘\n使用率\t过高 ')).toBe('磁盘 使用率 过高');
    expect(alertName('\u0000\n')).toBe('aiops_alarm');
  });
});
