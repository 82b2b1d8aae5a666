import { describe, expect, it } from 'vitest';
import { decode } from './decode-helper.js';

const metric = { name: 'cpu', tags: { host: 'a', cpu: 'cpu0' }, fields: { usage_idle: 98.5, count: 3, up: true, down: false, note: 'text' }, timestamp: 1_700_000_000 };

describe('a Telegraf JSON payload', () => {
  it('decodes a single metric, seconds to ms, booleans to 1/0, strings as non-numeric', () => {
    expect(decode(JSON.stringify(metric))).toEqual({
      points: [{ m: 'cpu', tags: { host: 'a', cpu: 'cpu0' }, fields: { usage_idle: 98.5, count: 3, up: 1, down: 0, note: 'string' }, ts: 1_700_000_000_000 }],
      bad: [],
    });
  });

  it('decodes a batch and rejects only its malformed metrics, each with its own reason and raw JSON', () => {
    const batch = {
      metrics: [
        metric,
        { name: 'mem', fields: {} },
        { name: 'disk', fields: { free: 1 }, tags: { device: 7 } },
        42,
        { fields: { x: 1 } },
        { name: 'net', fields: { bytes: 10 }, timestamp: 'yesterday' },
        { name: 'net', fields: { bytes: 11 } },
      ],
    };
    const { points, bad } = decode(` \n${JSON.stringify(batch)}`);
    expect(points.map((p) => p.m)).toEqual(['cpu', 'net']);
    expect(points[1]?.ts).toBe(1_000_000); // no timestamp: the payload's time
    expect(bad).toEqual([
      ['missing_fields', '{"name":"mem","fields":{}}'],
      ['bad_tag', '{"name":"disk","fields":{"free":1},"tags":{"device":7}}'],
      ['bad_metric', '42'],
      ['missing_measurement', '{"fields":{"x":1}}'],
      ['bad_timestamp', '{"name":"net","fields":{"bytes":10},"timestamp":"yesterday"}'],
    ]);
  });

  it.each([
    ['s', 1_700_000_000, 1_700_000_000_000],
    ['ms', 1_700_000_000_123, 1_700_000_000_123],
    ['us', 1_700_000_000_123_456, 1_700_000_000_123],
    ['ns', 1_700_000_000_123_456_800, 1_700_000_000_123], // a JSON number: no more exact than a double
  ] as const)('reads timestamps in %s', (unit, timestamp, ms) => {
    expect(decode(JSON.stringify({ ...metric, timestamp }), { jsonTimeUnit: unit }).points[0]?.ts).toBe(ms);
  });

  it('reads an RFC 3339 timestamp (json_timestamp_format)', () => {
    expect(decode(JSON.stringify({ ...metric, timestamp: '2023-11-14T22:13:20.5Z' })).points[0]?.ts).toBe(1_700_000_000_500);
  });

  it('falls back to one metric per line when the payload is not one JSON document', () => {
    const payload = [JSON.stringify(metric), '{"name":"broken",', JSON.stringify({ name: 'mem', fields: { used: 5 } })].join('\n');
    const { points, bad } = decode(payload);
    expect(points.map((p) => p.m)).toEqual(['cpu', 'mem']);
    expect(bad).toEqual([['bad_json', '{"name":"broken",']]);
  });

  it('reports a payload that is broken JSON on a single line as one bad line', () => {
    expect(decode('{"metrics": [')).toEqual({ points: [], bad: [['bad_json', '{"metrics": [']] });
  });
});

describe('format detection', () => {
  it('reads line protocol when the first non-blank byte is not {', () => {
    expect(decode('\n  cpu f=1').points).toEqual([{ m: 'cpu', tags: {}, fields: { f: 1 }, ts: 1_000_000 }]);
  });

  it('obeys an explicit format over detection', () => {
    expect(decode('cpu f=1', { format: 'json' }).bad).toEqual([['bad_json', 'cpu f=1']]);
    expect(decode(JSON.stringify(metric), { format: 'influx' })).toEqual({ points: [], bad: [['bad_tag', JSON.stringify(metric)]] });
  });
});
