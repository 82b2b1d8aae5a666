import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeLabelName,
  decodeMetricName,
  encodeLabelName,
  encodeMetricName,
} from '../../../src/infrastructure/engines/prometheus/series-names.js';

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const names = fc.oneof(
  fc.string({ minLength: 1, maxLength: 30 }),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 8 }),
  fc.string({ unit: fc.constantFrom('a', 'b', '_', '.', ':', '-', '1', 'x'), minLength: 1, maxLength: 12 }),
  fc.constantFrom('aiops_x_', 'aiops_x_61', 'aiops_rule_id', 'alertname', '__name__', 'cpu.usage_user', 'cpu:usage_user'),
);

describe('metric names as Prometheus series names', () => {
  it('keeps Telegraf-style names readable: dots become colons', () => {
    expect(encodeMetricName('cpu.usage_user')).toBe('cpu:usage_user');
    expect(encodeMetricName('disk.used')).toBe('disk:used');
  });

  it('writes names with other characters in the hex form', () => {
    expect(encodeMetricName('disk.used-percent')).toBe(`aiops_x_${Buffer.from('disk.used-percent').toString('hex')}`);
    expect(encodeMetricName('cpu:usage_user')).toMatch(/^aiops_x_/);
    expect(encodeMetricName('a..b')).toMatch(/^aiops_x_/);
    expect(encodeMetricName('9lives.x')).toMatch(/^aiops_x_/);
  });

  it('always gives a valid series name that decodes back to the same name', () => {
    fc.assert(
      fc.property(names, (name) => {
        const series = encodeMetricName(name);
        expect(series).toMatch(METRIC_NAME);
        expect(decodeMetricName(series)).toBe(name);
      }),
      { numRuns: 2000 },
    );
  });

  it('never maps two distinct names to one series', () => {
    fc.assert(
      fc.property(names, names, (a, b) => {
        fc.pre(a !== b);
        expect(encodeMetricName(a)).not.toBe(encodeMetricName(b));
      }),
      { numRuns: 5000 },
    );
  });
});

describe('tag keys as label names', () => {
  it('keeps plain keys and hex-encodes reserved or invalid ones', () => {
    expect(encodeLabelName('host')).toBe('host');
    expect(encodeLabelName('Host_2')).toBe('Host_2');
    for (const k of ['aiops_rule_id', 'alertname', '__name__', '_x', 'dc-name', '1st', '']) expect(encodeLabelName(k)).toMatch(/^aiops_x_/);
  });

  it('always gives a valid label name that decodes back, and distinct keys stay distinct', () => {
    fc.assert(
      fc.property(names, names, (a, b) => {
        expect(encodeLabelName(a)).toMatch(LABEL_NAME);
        expect(encodeLabelName(a).startsWith('__')).toBe(false);
        expect(decodeLabelName(encodeLabelName(a))).toBe(a);
        if (a !== b) expect(encodeLabelName(a)).not.toBe(encodeLabelName(b));
      }),
      { numRuns: 5000 },
    );
  });

  it('does not read Prometheus or adapter labels as tags', () => {
    for (const l of ['__name__', 'alertname', 'aiops_rule_id', 'aiops_level']) expect(decodeLabelName(l)).toBeUndefined();
  });
});
