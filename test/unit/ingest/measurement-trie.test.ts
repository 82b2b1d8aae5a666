import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FieldKeyTrie } from '../../../src/application/ingest/field-key-trie.js';
import type { DecodedLine } from '../../../src/application/ingest/payload-decoder.js';
import { NO_KEY_ID, NOT_IN_TRIE } from '../../../src/application/ingest/payload-decoder.js';
import { compileAllowlist } from '../../../src/domain/allowlist/compile-allowlist.js';
import { TelegrafDecoder } from '../../../src/infrastructure/telegraf/telegraf-decoder.js';
import { stageRig } from './stage-rig.js';

/** Per line: measurement, the id the decoder reported, tags and fields; and the bad lines' reasons. */
function decodeWithNames(payload: string, names: FieldKeyTrie | null) {
  const lines: [string, number, string[], string[]][] = [];
  const bad: string[] = [];
  new TelegrafDecoder().decode(Buffer.from(payload), { nowMs: 1 }, {
    measurementNames: names,
    line(line: DecodedLine) {
      lines.push([
        line.measurement,
        line.measurementId,
        Array.from({ length: line.tagCount }, (_, t) => `${line.tagKey(t)}=${line.tagValue(t)}`),
        Array.from({ length: line.fieldCount }, (_, i) => `${line.fieldKey(i)}=${line.fieldValue(i)}@${line.tsMs}`),
      ]);
    },
    badLine(reason) {
      bad.push(reason);
    },
  });
  return { lines, bad };
}

describe('the line-protocol decoder walking a measurement trie', () => {
  const names = new FieldKeyTrie();
  const [cpu, cp, mem] = ['cpu', 'cp', 'mem'].map((k) => names.insert(k));

  it('reports the id of a known measurement ending at a comma or space, and NOT_IN_TRIE for any other', () => {
    const payload = ['cpu,a=b x=1', 'cpu x=2', 'cp x=3', 'cpux x=4', 'c x=5', 'mem x=6', 'cpu\\ x y=7', 'cpu=1 x=8', 'me\\,m x=9', 'cpu  x=10'].join('\n');
    expect(decodeWithNames(payload, names)).toEqual({
      lines: [
        ['cpu', cpu, ['a=b'], ['x=1@1']],
        ['cpu', cpu, [], ['x=2@1']],
        ['cp', cp, [], ['x=3@1']],
        ['cpux', NOT_IN_TRIE, [], ['x=4@1']],
        ['c', NOT_IN_TRIE, [], ['x=5@1']],
        ['mem', mem, [], ['x=6@1']],
        ['cpu x', NOT_IN_TRIE, [], ['y=7@1']],
        ['cpu=1', NOT_IN_TRIE, [], ['x=8@1']],
        ['me,m', NOT_IN_TRIE, [], ['x=9@1']],
        ['cpu', cpu, [], ['x=10@1']],
      ],
      bad: [],
    });
  });

  it('reports NO_KEY_ID without a trie, and rejects the same bad lines with one', () => {
    expect(decodeWithNames('cpu x=1', null).lines).toEqual([['cpu', NO_KEY_ID, [], ['x=1@1']]]);
    const bad = ['cpu', 'cpu ', 'cpu\x01 x=1', 'cpu\\', 'cpu,', 'cpu,a x=1', 'cpu x', 'mem\t x=1'].join('\n');
    expect(decodeWithNames(bad, names)).toEqual(decodeWithNames(bad, null));
    expect(decodeWithNames(bad, names).lines).toEqual([]);
  });

  it('decodes any payload as it does without a trie, but for the ids', () => {
    const byte = fc.constantFrom('c', 'p', 'u', 'm', 'e', ' ', ',', '=', '\\', '1', 'x', '\n', '\t', 'é');
    fc.assert(
      fc.property(fc.array(byte, { maxLength: 40 }), (chars) => {
        const payload = chars.join('');
        const strip = (r: ReturnType<typeof decodeWithNames>) => ({ lines: r.lines.map(([m, , t, f]) => [m, t, f]), bad: r.bad });
        const withNames = decodeWithNames(payload, names);
        expect(strip(withNames)).toEqual(strip(decodeWithNames(payload, null)));
        for (const [m, id] of withNames.lines) expect(id).toBe(names.find(m) >= 0 ? names.find(m) : NOT_IN_TRIE);
      }),
      { numRuns: 1_000 },
    );
  });
});

describe('the ingest stage and its measurement trie', () => {
  const rig = () => stageRig();

  it('learns the plain measurements it meets and goes on finding their slots, escaped ones by name', () => {
    const { stage, points, sink, tally } = rig();
    const allowlist = compileAllowlist({ version: 1, entries: [{ measurement: 'cpu', fields: ['a'] }, { measurement: 'm x', fields: ['a'] }] });
    const payload = 'cpu a=1,b=2\nmem a=3\nm\\ x a=4\ncpu a=5\nmem a=6,b=7\nm\\ x a=8\ncpu,t=1 a=9';
    stage.decodeAndFilter(Buffer.from(payload), { nowMs: 1 }, allowlist, sink);
    stage.decodeAndFilter(Buffer.from(payload), { nowMs: 1 }, allowlist, sink);
    expect(stage.measurementNames.size).toBe(2);
    expect([stage.measurementNames.find('cpu'), stage.measurementNames.find('mem')].every((id) => id >= 0)).toBe(true);
    expect(points.map((p) => `${p.name}=${p.value}`)).toEqual(['cpu.a=1', 'm x.a=4', 'cpu.a=5', 'm x.a=8', 'cpu.a=9', 'cpu.a=1', 'm x.a=4', 'cpu.a=5', 'm x.a=8', 'cpu.a=9']);
    expect(points.at(-1)?.tags).toEqual({ t: '1' });
    expect(new Map(tally.drain().names.map((n) => [n.name, [n.seen, n.passed]]))).toEqual(
      new Map([['cpu.a', [6, 6]], ['cpu.b', [2, 0]], ['mem.a', [4, 0]], ['mem.b', [2, 0]], ['m x.a', [4, 4]]]),
    );
  });

  it('keeps the trie across an allowlist swap and a drain, but not the slots its ids led to', () => {
    const { stage, points, sink, tally } = rig();
    const run = (allowed: string) => stage.decodeAndFilter(Buffer.from('cpu a=1\nmem a=2'), { nowMs: 1 }, compileAllowlist({ version: 1, entries: [{ measurement: allowed }] }), sink);
    run('cpu');
    const names = stage.measurementNames;
    run('mem');
    tally.drain();
    run('cpu');
    expect(stage.measurementNames).toBe(names);
    expect(points.map((p) => p.name)).toEqual(['cpu.a', 'mem.a', 'cpu.a']);
    expect(tally.drain().names.map((n) => [n.name, n.seen, n.passed])).toEqual([['cpu.a', 1, 1], ['mem.a', 1, 0]]);
  });

  it('starts a new trie at the next drain once the old one is full, and counts the same either way', () => {
    const { stage, sink, tally, points } = rig();
    const allowlist = compileAllowlist({ version: 1, entries: [{ measurement: 'm', fields: ['x'] }] });
    const lines = Array.from({ length: 9_000 }, (_, i) => `n${i} x=1`).join('\n');
    stage.decodeAndFilter(Buffer.from(`${lines}\nm x=1`), { nowMs: 1 }, allowlist, sink);
    const full = stage.measurementNames;
    expect(full.full).toBe(true);
    stage.decodeAndFilter(Buffer.from('m x=2\nn0 x=1\nzz x=1'), { nowMs: 1 }, allowlist, sink);
    expect(stage.measurementNames).toBe(full);
    const before = tally.drain();
    expect(before.names.find((n) => n.name === 'm.x')).toMatchObject({ seen: 2, passed: 2 });
    expect(before.names.find((n) => n.name === 'zz.x')).toMatchObject({ seen: 1, passed: 0 });
    stage.decodeAndFilter(Buffer.from('m x=3\nzz x=1\nm x=4\nzz x=1'), { nowMs: 1 }, allowlist, sink);
    expect(stage.measurementNames).not.toBe(full);
    expect(stage.measurementNames.size).toBe(2);
    expect(points.map((p) => p.value)).toEqual([1, 2, 3, 4]);
    expect(tally.drain().names.map((n) => [n.name, n.seen, n.passed])).toEqual([['m.x', 2, 2], ['zz.x', 2, 0]]);
  });
});
