import { describe, expect, it } from 'vitest';
import { NOW, NS, rig } from './service-rig.js';

const line = (ts: string, field = 'usage', value = '1') => `cpu,host=a ${field}=${value} ${ts}`;
const json = (metrics: object[]) => JSON.stringify({ metrics });

describe('points that passed the allowlist but the engine would refuse', () => {
  describe('when one line of a message is stamped 0', () => {
    it('delivers the good lines of the message and drops that one as ts_out_of_window', async () => {
      const r = rig();
      await r.feed([line(NS(NOW - 2)), line('0'), line(NS(NOW - 1))].join('\n'));
      expect(r.names()).toEqual([`cpu.usage@${NOW - 2}`, `cpu.usage@${NOW - 1}`]);
      expect(r.quarantined).toEqual(['0:ts_out_of_window']);
      const snap = r.tally.drain();
      expect(snap.invalidPoints).toEqual({ ts_out_of_window: 1 });
      expect(snap.names.find((n) => n.name === 'cpu.usage')).toMatchObject({ seen: 3, passed: 2, dropped: { invalid_point: 1, not_allowlisted: 0 } });
    });
  });

  describe('when a line is stamped more than the allowed hour ahead, or before 2000', () => {
    it('drops it, and accepts the edges of the window', async () => {
      const r = rig();
      const lines = [NOW + 3_600_000, NOW + 3_600_001, Date.UTC(2000, 0, 1), Date.UTC(2000, 0, 1) - 1].map((t) => line(NS(t)));
      await r.feed(lines.join('\n'));
      expect(r.names()).toEqual([`cpu.usage@${NOW + 3_600_000}`, `cpu.usage@${Date.UTC(2000, 0, 1)}`]);
      expect(r.quarantined).toEqual(['0:ts_out_of_window', '0:ts_out_of_window']);
    });

    it('follows a configured window', async () => {
      const r = rig({}, {}, { notBefore: '2026-01-01T00:00:00Z', maxAheadMs: 0 });
      await r.feed([line(NS(Date.UTC(2025, 11, 31))), line(NS(NOW + 1)), line(NS(NOW))].join('\n'));
      expect(r.names()).toEqual([`cpu.usage@${NOW}`]);
    });
  });

  describe('when a metric name or the tags exceed the engine limits', () => {
    it('drops the point as metric_name_too_long or tags_too_large, keeping the rest', async () => {
      const r = rig({}, {}, { maxMetricNameLength: 20, maxTagValueLength: 8 });
      await r.feed(
        [line(NS(NOW), 'a_rather_long_field_name'), `cpu,host=${'x'.repeat(9)} usage=1 ${NS(NOW)}`, line(NS(NOW - 1))].join('\n'),
      );
      expect(r.names()).toEqual([`cpu.usage@${NOW - 1}`]);
      expect(r.quarantined).toEqual(['0:metric_name_too_long', '0:tags_too_large']);
    });
  });

  describe('when a JSON value overflows to Infinity (1e400)', () => {
    it('counts the metric as a bad value instead of passing a point the engine gets as null', async () => {
      const r = rig();
      await r.feed(`{"metrics":[{"name":"cpu","fields":{"usage":1e400},"timestamp":${NOW / 1000}},{"name":"cpu","fields":{"usage":2},"timestamp":${NOW / 1000}}]}`);
      expect(r.points().map((p) => p.value)).toEqual([2]);
      expect(r.quarantined).toEqual(['0:bad_field_value']);
      expect(r.tally.drain().badLines).toEqual({ bad_field_value: 1 });
    });

    it('counts a timestamp that overflows in the unit conversion as bad_timestamp', async () => {
      const r = rig();
      await r.feed(json([{ name: 'cpu', fields: { usage: 1 }, timestamp: 1e307 }]));
      expect(r.points()).toEqual([]);
      expect(r.quarantined).toEqual(['0:bad_timestamp']);
    });
  });
});

describe('Telegraf JSON json_timestamp_units (kafka.jsonTimestampUnits)', () => {
  const cases = [
    ['1s', NOW / 1000],
    ['1ms', NOW],
    ['1us', NOW * 1000],
    ['1ns', NOW * 1_000_000],
  ] as const;
  for (const [unit, stamp] of cases) {
    it(`reads numeric timestamps in ${unit}`, async () => {
      const r = rig({}, { kafka: { jsonTimestampUnits: unit } });
      await r.feed(json([{ name: 'cpu', fields: { usage: 1 }, timestamp: stamp }]));
      expect(r.names()).toEqual([`cpu.usage@${NOW}`]);
    });
  }

  it('refuses an unknown unit at start-up', () => {
    expect(() => rig({}, { kafka: { jsonTimestampUnits: '1m' } })).toThrow(/kafka\.jsonTimestampUnits/);
  });
});
