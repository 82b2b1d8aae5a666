import { describe, expect, it } from 'vitest';
import { MetricTally } from '../../../src/application/ingest/metric-tally.js';

function count(tally: MetricTally, measurement: string, field: string, passed: boolean): void {
  const counter = tally.field(tally.measurement(measurement), field);
  counter.seen++; // neither passed nor non-numeric: not allowlisted
  if (passed) counter.passed++;
}

describe('a metric tally', () => {
  it('hands over the counts of the interval on drain and starts again from zero', () => {
    const tally = new MetricTally();
    count(tally, 'cpu', 'idle', true);
    count(tally, 'cpu', 'idle', false);
    count(tally, 'mem', 'used', false);
    tally.badLine('bad_tag');
    tally.badLine('bad_tag');
    tally.lines += 3;
    const first = tally.drain();
    expect(first.names).toEqual([
      { name: 'cpu.idle', measurement: 'cpu', field: 'idle', seen: 2, passed: 1, dropped: { not_allowlisted: 1, non_numeric_field: 0, invalid_point: 0 }, tagKeys: [] },
      { name: 'mem.used', measurement: 'mem', field: 'used', seen: 1, passed: 0, dropped: { not_allowlisted: 1, non_numeric_field: 0, invalid_point: 0 }, tagKeys: [] },
    ]);
    expect(first.badLines).toEqual({ bad_tag: 2 });
    expect(first.lines).toBe(3);
    expect(tally.drain()).toEqual({ names: [], other: { seen: 0, passed: 0, dropped: { not_allowlisted: 0, non_numeric_field: 0, invalid_point: 0 } }, lines: 0, badLines: {}, invalidPoints: {} });
  });

  it('counts names beyond its budget together as other, and gets its budget back after a drain', () => {
    const tally = new MetricTally({ maxNames: 2 });
    count(tally, 'a', 'x', true);
    count(tally, 'a', 'y', true);
    count(tally, 'a', 'z', true);
    count(tally, 'b', 'x', false);
    count(tally, 'a', 'x', true);
    const snapshot = tally.drain();
    expect(snapshot.names.map((n) => [n.name, n.seen])).toEqual([['a.x', 2], ['a.y', 1]]);
    expect(snapshot.other).toEqual({ seen: 2, passed: 1, dropped: { not_allowlisted: 1, non_numeric_field: 0, invalid_point: 0 } });
    count(tally, 'b', 'x', false);
    expect(tally.drain().names.map((n) => n.name)).toEqual(['b.x']);
  });

  it('keeps a bounded set of tag keys per name', () => {
    const tally = new MetricTally({ maxTagKeysPerName: 2 });
    const counter = tally.field(tally.measurement('cpu'), 'idle');
    for (const key of ['host', 'cpu', 'host', 'region']) counter.noteTagKey(key);
    expect(tally.drain().names[0]?.tagKeys).toEqual(['host', 'cpu']);
  });
});
