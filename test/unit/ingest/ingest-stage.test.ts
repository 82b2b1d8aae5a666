import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { MetricTally } from '../../../src/application/ingest/metric-tally.js';
import type { DecodeContext } from '../../../src/application/ingest/payload-decoder.js';
import type { AllowlistEntry } from '../../../src/domain/allowlist/allowlist-spec.js';
import { compileAllowlist } from '../../../src/domain/allowlist/compile-allowlist.js';
import type { CompiledAllowlist } from '../../../src/domain/allowlist/compile-allowlist.js';
import { InfluxLine } from '../../../src/infrastructure/telegraf/influx-line.js';
import { stageRig } from './stage-rig.js';

const allow = (...entries: AllowlistEntry[]): CompiledAllowlist => compileAllowlist({ version: 1, entries });
const CTX: DecodeContext = { nowMs: 5_000 };

const rig = (options: ConstructorParameters<typeof MetricTally>[0] = {}) => stageRig(options, CTX);

afterEach(() => {
  vi.restoreAllMocks();
});

describe('a payload through the ingest stage', () => {
  const payload = [
    'cpu,cpu=cpu-total,host=a usage_idle=97.5,usage_user=2i,state="ok" 1000000000',
    'cpu,cpu=cpu0,host=a usage_idle=90,usage_user=1i',
    'not a line',
    'disk,host=a used=1',
  ].join('\n');

  it('sends the allowlisted numeric points to the sink, named measurement.field', () => {
    const { points, run } = rig();
    run(payload, allow({ measurement: 'cpu', fields: ['usage_idle', 'state'], tags: { cpu: 'cpu-total' } }));
    expect(points).toEqual([{ name: 'cpu.usage_idle', tags: { cpu: 'cpu-total', host: 'a' }, ts: 1000, value: 97.5 }]);
  });

  it('tallies what was seen, passed and dropped, by name and reason, and the bad lines', () => {
    const { tally, bad, run } = rig();
    run(payload, allow({ measurement: 'cpu', fields: ['usage_idle', 'state'], tags: { cpu: 'cpu-total' } }));
    const snapshot = tally.drain();
    const byName = Object.fromEntries(snapshot.names.map((n) => [n.name, [n.seen, n.passed, n.dropped.not_allowlisted, n.dropped.non_numeric_field]]));
    expect(byName).toEqual({
      'cpu.usage_idle': [2, 1, 1, 0],
      'cpu.usage_user': [2, 0, 2, 0],
      'cpu.state': [1, 0, 0, 1],
      'disk.used': [1, 0, 1, 0],
    });
    expect(snapshot.names.find((n) => n.name === 'cpu.usage_idle')?.tagKeys).toEqual(['cpu', 'host']);
    expect(snapshot.lines).toBe(3);
    expect(snapshot.badLines).toEqual({ bad_field_key: 1 });
    expect(bad).toEqual([['bad_field_key', 'not a line']]);
  });

  it('reads JSON payloads the same way', () => {
    const { points, run } = rig();
    run(JSON.stringify({ metrics: [{ name: 'cpu', tags: { host: 'a' }, fields: { usage_idle: 50, up: true }, timestamp: 7 }] }), allow({ measurement: 'cpu' }));
    expect(points).toEqual([
      { name: 'cpu.usage_idle', tags: { host: 'a' }, ts: 7000, value: 50 },
      { name: 'cpu.up', tags: { host: 'a' }, ts: 7000, value: 1 },
    ]);
  });

  it('shares one tags object between the points of a line', () => {
    const { points, run } = rig();
    run('cpu,host=a x=1,y=2', allow({ measurement: 'cpu' }));
    expect(points).toHaveLength(2);
    expect(points[0]?.tags).toBe(points[1]?.tags);
  });

  it('keeps a tag named __proto__ as a tag', () => {
    const { points, run } = rig();
    run('cpu,__proto__=x f=1', allow({ measurement: 'cpu' }));
    expect(Object.entries(points[0]?.tags ?? {})).toEqual([['__proto__', 'x']]);
  });
});

describe('a line whose measurement cannot pass', () => {
  it('never has its tag values decoded, and its tag keys only for the first samples', () => {
    const tagValue = vi.spyOn(InfluxLine.prototype, 'tagValue');
    const tagKey = vi.spyOn(InfluxLine.prototype, 'tagKey');
    const { tally, run } = rig({ tagKeySamples: 1 });
    run(Array.from({ length: 50 }, (_, i) => `disk,host=h${i},path=/ used=${i}`).join('\n'), allow({ measurement: 'cpu' }));
    expect(tagValue).not.toHaveBeenCalled();
    expect(tagKey).toHaveBeenCalledTimes(2); // host and path, once
    expect(tally.drain().names[0]?.tagKeys).toEqual(['host', 'path']);
  });
});

describe('when the allowlist changes between payloads', () => {
  it('applies the new one from the next payload on', () => {
    const { points, run } = rig();
    run('cpu a=1,b=2', allow({ measurement: 'cpu', fields: ['a'] }));
    run('cpu a=1,b=2', allow({ measurement: 'cpu', fields: ['b'] }));
    expect(points.map((p) => p.name)).toEqual(['cpu.a', 'cpu.b']);
  });
});

describe('when the tally is drained between payloads', () => {
  it('counts the next payload into the new interval only', () => {
    const { tally, run } = rig();
    const allowlist = allow({ measurement: 'cpu' });
    run('cpu a=1\ncpu a=2', allowlist);
    expect(tally.drain().names.map((n) => [n.name, n.seen])).toEqual([['cpu.a', 2]]);
    run('cpu a=3', allowlist);
    expect(tally.drain().names.map((n) => [n.name, n.seen, n.passed])).toEqual([['cpu.a', 1, 1]]);
  });
});

describe('any mix of lines, field orders and allowlists', () => {
  const measurement = fc.constantFrom('cpu', 'mem', 'disk', 'net');
  const fieldKey = fc.constantFrom('a', 'b', 'c', 'usage_idle', 'usage_user', 'f\\ g');
  const line = fc.record({
    measurement,
    tags: fc.dictionary(fc.constantFrom('host', 'env'), fc.constantFrom('x', 'y'), { maxKeys: 2 }),
    fields: fc.uniqueArray(fc.tuple(fieldKey, fc.oneof(fc.integer().map(String), fc.constant('"s"'))), { minLength: 1, maxLength: 5, selector: ([k]) => k }),
  });
  const entry: fc.Arbitrary<AllowlistEntry> = fc.record(
    { measurement: fc.oneof(measurement, fc.constant('*')), fields: fc.array(fc.oneof(fieldKey.map((k) => k.replace('\\ ', ' ')), fc.constant('usage_*')), { minLength: 1, maxLength: 3 }), tags: fc.constantFrom<Record<string, string>>({ env: 'x' }, { host: '!y' }) },
    { requiredKeys: ['measurement'] },
  );

  type Line = { measurement: string; tags: Record<string, string>; fields: [string, string][] };
  const payloadOf = (lines: readonly Line[]): string =>
    lines.map((l) => `${l.measurement}${Object.entries(l.tags).map(([k, v]) => `,${k}=${v}`).join('')} ${l.fields.map(([k, v]) => `${k}=${v}`).join(',')}`).join('\n');
  /** A naive evaluation of each point: appends the names that pass to `points` and counts every name in `seen`. */
  const evaluate = (lines: readonly Line[], allowlist: CompiledAllowlist, points: string[], seen: Map<string, number>): void => {
    for (const l of lines) {
      for (const [rawKey, value] of l.fields) {
        const key = rawKey.replace('\\ ', ' ');
        const name = `${l.measurement}.${key}`;
        seen.set(name, (seen.get(name) ?? 0) + 1);
        if (!value.startsWith('"') && allowlist.match(l.measurement, key, l.tags)) points.push(name);
      }
    }
  };

  it('passes and counts exactly what a naive evaluation of each point would', () => {
    fc.assert(
      fc.property(fc.array(line, { maxLength: 30 }), fc.array(entry, { maxLength: 4 }), (lines, entries) => {
        const allowlist = allow(...entries);
        const { points, tally, run } = rig();
        run(payloadOf(lines), allowlist);
        const expectedPoints: string[] = [];
        const expectedSeen = new Map<string, number>();
        evaluate(lines, allowlist, expectedPoints, expectedSeen);
        expect(points.map((p) => p.name)).toEqual(expectedPoints);
        const snapshot = tally.drain();
        expect(new Map(snapshot.names.map((n) => [n.name, n.seen]))).toEqual(expectedSeen);
        expect(snapshot.names.reduce((sum, n) => sum + n.passed, 0)).toBe(expectedPoints.length);
      }),
      { numRuns: 300 },
    );
  });

  it('counts the same across allowlist swaps, and beyond the name budget of the tally as other', () => {
    fc.assert(
      fc.property(
        fc.array(line, { maxLength: 30 }),
        fc.array(entry, { maxLength: 4 }),
        fc.array(entry, { maxLength: 4 }),
        fc.constantFrom(1, 3, 100),
        (lines, firstEntries, secondEntries, maxNames) => {
          const allowlists = [allow(...firstEntries), allow(...secondEntries)];
          const { points, tally, run } = rig({ maxNames });
          const halves = [lines.slice(0, lines.length >> 1), lines.slice(lines.length >> 1)];
          const expectedPoints: string[] = [];
          const expectedSeen = new Map<string, number>();
          halves.forEach((half, h) => {
            run(payloadOf(half), allowlists[h]!);
            evaluate(half, allowlists[h]!, expectedPoints, expectedSeen);
          });
          const fields = lines.reduce((n, l) => n + l.fields.length, 0);
          expect(points.map((p) => p.name)).toEqual(expectedPoints);
          const snapshot = tally.drain();
          expect(snapshot.names.length).toBeLessThanOrEqual(maxNames);
          for (const n of snapshot.names) expect(n.seen).toBe(expectedSeen.get(n.name));
          const all = [...snapshot.names, snapshot.other];
          expect(all.reduce((sum, n) => sum + n.seen, 0)).toBe(fields);
          expect(all.reduce((sum, n) => sum + n.passed, 0)).toBe(expectedPoints.length);
          expect(all.reduce((sum, n) => sum + n.passed + n.dropped.not_allowlisted + n.dropped.non_numeric_field, 0)).toBe(fields);
        },
      ),
      { numRuns: 300 },
    );
  });
});
