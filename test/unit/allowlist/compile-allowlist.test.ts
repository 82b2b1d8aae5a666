import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AllowlistEntry } from '../../../src/domain/allowlist/allowlist-spec.js';
import { compileAllowlist, EMPTY_ALLOWLIST } from '../../../src/domain/allowlist/compile-allowlist.js';
import type { CompiledAllowlist } from '../../../src/domain/allowlist/compile-allowlist.js';

const compile = (...entries: AllowlistEntry[]): CompiledAllowlist => compileAllowlist({ version: 1, entries });

describe('an exact entry', () => {
  const allowlist = compile({ measurement: 'cpu', fields: ['usage_idle', 'usage_user'] }, { measurement: 'mem' });

  it('passes the listed fields of its measurement only', () => {
    expect(allowlist.match('cpu', 'usage_idle', {})).toBe(true);
    expect(allowlist.match('cpu', 'usage_user', { host: 'a' })).toBe(true);
    expect(allowlist.match('cpu', 'usage_system', {})).toBe(false);
    expect(allowlist.match('cpu0', 'usage_idle', {})).toBe(false);
  });

  it('passes every field when fields are omitted', () => {
    expect(allowlist.match('mem', 'anything', {})).toBe(true);
  });

  it('tells the hot path early when a measurement cannot pass at all', () => {
    expect(allowlist.plan('disk')).toBeNull();
    expect(allowlist.plan('cpu')?.field('usage_system')).toBeNull();
    expect(allowlist.plan('cpu')?.field('usage_idle')?.always).toBe(true);
  });
});

describe('glob entries', () => {
  const allowlist = compile({ measurement: 'biz_*', fields: ['latency_*', 'errors'] }, { measurement: 'disk?', fields: ['used'] });

  it('match measurements and fields by pattern', () => {
    expect(allowlist.match('biz_orders', 'latency_p99', {})).toBe(true);
    expect(allowlist.match('biz_orders', 'errors', {})).toBe(true);
    expect(allowlist.match('biz_orders', 'requests', {})).toBe(false);
    expect(allowlist.match('disk1', 'used', {})).toBe(true);
    expect(allowlist.match('disk12', 'used', {})).toBe(false);
    expect(allowlist.plan('net')).toBeNull();
  });

  it('combine with an exact entry of the same measurement', () => {
    const both = compile({ measurement: 'biz_orders', fields: ['count'] }, { measurement: 'biz_*', fields: ['errors'] });
    expect(both.match('biz_orders', 'count', {})).toBe(true);
    expect(both.match('biz_orders', 'errors', {})).toBe(true);
    expect(both.match('biz_other', 'count', {})).toBe(false);
  });

  it('remember the plan of a measurement instead of testing the globs again', () => {
    expect(allowlist.plan('biz_orders')).toBe(allowlist.plan('biz_orders'));
  });
});

describe('tag rules', () => {
  const allowlist = compile(
    { measurement: 'http', fields: ['latency'], tags: { env: 'prod', host: 'web-*', region: ['cn-north-1', 'eu-*'] } },
    { measurement: 'jobs', tags: { stage: '!canary*' } },
    { measurement: 'queue', tags: { cluster: '*', debug: '!*' } },
  );
  const good = { env: 'prod', host: 'web-1', region: 'eu-west-1' };

  it('pass a point when every rule holds (exact, glob, list)', () => {
    expect(allowlist.match('http', 'latency', good)).toBe(true);
    expect(allowlist.match('http', 'latency', { ...good, env: 'dev' })).toBe(false);
    expect(allowlist.match('http', 'latency', { ...good, host: 'db-1' })).toBe(false);
    expect(allowlist.match('http', 'latency', { ...good, region: 'us-east-1' })).toBe(false);
    expect(allowlist.match('http', 'latency', { host: 'web-1', region: 'eu-west-1' })).toBe(false);
    expect(allowlist.plan('http')?.field('latency')?.always).toBe(false);
  });

  it('negated: the tag is absent or does not match', () => {
    expect(allowlist.match('jobs', 'runs', { stage: 'prod' })).toBe(true);
    expect(allowlist.match('jobs', 'runs', {})).toBe(true);
    expect(allowlist.match('jobs', 'runs', { stage: 'canary-2' })).toBe(false);
  });

  it('"*" requires the tag, "!*" forbids it', () => {
    expect(allowlist.match('queue', 'depth', { cluster: 'c1' })).toBe(true);
    expect(allowlist.match('queue', 'depth', {})).toBe(false);
    expect(allowlist.match('queue', 'depth', { cluster: 'c1', debug: 'true' })).toBe(false);
  });

  it('are not fooled by names of Object.prototype members', () => {
    const proto = compile({ measurement: 'm', tags: { constructor: '*', toString: '!*' } });
    expect(proto.match('m', 'f', {})).toBe(false);
    expect(proto.match('m', 'f', { constructor: 'x' })).toBe(true);
  });

  it('of one entry do not restrict another entry that passes the same field unconditionally', () => {
    const either = compile({ measurement: 'cpu', fields: ['idle'], tags: { cpu: 'cpu-total' } }, { measurement: 'cpu', fields: ['idle'] });
    expect(either.match('cpu', 'idle', { cpu: 'cpu3' })).toBe(true);
    expect(either.plan('cpu')?.field('idle')?.always).toBe(true);
  });

  it('of two entries for one field pass a point matching either', () => {
    const either = compile({ measurement: 'cpu', fields: ['idle'], tags: { cpu: 'cpu-total' } }, { measurement: 'cpu', fields: ['idle'], tags: { host: 'a' } });
    expect(either.match('cpu', 'idle', { cpu: 'cpu-total' })).toBe(true);
    expect(either.match('cpu', 'idle', { host: 'a' })).toBe(true);
    expect(either.match('cpu', 'idle', { host: 'b' })).toBe(false);
  });
});

describe('the empty allowlist', () => {
  it('lets nothing through', () => {
    expect(EMPTY_ALLOWLIST.match('cpu', 'usage_idle', {})).toBe(false);
    expect(EMPTY_ALLOWLIST.shape).toEqual({ entries: 0, exactMeasurements: 0, globMeasurements: 0 });
  });
});

describe('matching cost', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  const exactList = (n: number): CompiledAllowlist =>
    compile(...Array.from({ length: n }, (_, i) => ({ measurement: `m${i}`, fields: [`f${i}`, `g${i}`] })));

  /** Counts the hash-map probes and pattern tests one match makes. */
  function probes(allowlist: CompiledAllowlist, measurement: string, field: string): { mapGets: number; regexTests: number; prefixTests: number } {
    const get = vi.spyOn(Map.prototype, 'get');
    const test = vi.spyOn(RegExp.prototype, 'test');
    const startsWith = vi.spyOn(String.prototype, 'startsWith');
    allowlist.match(measurement, field, {});
    const counts = { mapGets: get.mock.calls.length, regexTests: test.mock.calls.length, prefixTests: startsWith.mock.calls.length };
    vi.restoreAllMocks();
    return counts;
  }

  it('is two map lookups for an exact entry, whether the list holds 10 or 10,000 entries', () => {
    const small = probes(exactList(10), 'm7', 'g7');
    const large = probes(exactList(10_000), 'm7777', 'g7777');
    expect(small).toEqual({ mapGets: 2, regexTests: 0, prefixTests: 0 });
    expect(large).toEqual(small);
  });

  it('tests globs only once per measurement name, then one lookup', () => {
    const allowlist = compile(...Array.from({ length: 50 }, (_, i) => ({ measurement: `app${i}_*` })), { measurement: 'cpu', fields: ['idle'] });
    expect(allowlist.shape).toEqual({ entries: 51, exactMeasurements: 1, globMeasurements: 50 });
    const first = probes(allowlist, 'app7_orders', 'count');
    const again = probes(allowlist, 'app7_orders', 'count');
    expect(first.prefixTests).toBe(50);
    expect(again).toEqual({ mapGets: 2, regexTests: 0, prefixTests: 0 });
  });
});

describe('any list of exact entries', () => {
  it('passes exactly the listed measurement.field pairs', () => {
    const ident = fc.string({ unit: fc.constantFrom('a', 'b', 'c', '_', '.'), minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(fc.array(fc.tuple(ident, ident), { maxLength: 30 }), ident, ident, (pairs, m, f) => {
        const allowlist = compile(...pairs.map(([measurement, field]) => ({ measurement, fields: [field] })));
        const listed = pairs.some(([pm, pf]) => pm === m && pf === f);
        expect(allowlist.match(m, f, {})).toBe(listed);
      }),
    );
  });
});
