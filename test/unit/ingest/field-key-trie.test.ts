import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { FieldKeyTrie } from '../../../src/application/ingest/field-key-trie.js';
import type { DecodedLine } from '../../../src/application/ingest/payload-decoder.js';
import { NO_KEY_ID, NOT_IN_TRIE } from '../../../src/application/ingest/payload-decoder.js';
import { compileAllowlist } from '../../../src/domain/allowlist/compile-allowlist.js';
import { InfluxLine } from '../../../src/infrastructure/telegraf/influx-line.js';
import { TelegrafDecoder } from '../../../src/infrastructure/telegraf/telegraf-decoder.js';
import { stageRig } from './stage-rig.js';

describe('a field key trie', () => {
  it('gives each admitted key one id, and tells a key from its prefixes and extensions', () => {
    const trie = new FieldKeyTrie();
    const keys = ['usage_idle', 'usage', 'usage_i', 'a', 'ab', 'abc', 'usage_iowait', 'Z-9.:/"q'];
    const ids = keys.map((k) => trie.insert(k));
    expect(new Set(ids).size).toBe(keys.length);
    keys.forEach((k, i) => {
      expect(trie.find(k)).toBe(ids[i]);
      expect(trie.insert(k)).toBe(ids[i]);
      expect(trie.key(ids[i] ?? -1)).toBe(k);
    });
    for (const other of ['usage_', 'usage_id', 'usage_idlex', 'abcd', 'b', 'u', '']) expect(trie.find(other)).toBe(-1);
    expect(trie.size).toBe(keys.length);
  });

  it('refuses keys whose line-protocol bytes are not the key itself, or that do not fit', () => {
    const trie = new FieldKeyTrie();
    for (const key of ['', 'a b', 'a,b', 'a=b', 'a\\b', 'é', 'a\tb', 'a\x7f', 'x'.repeat(257)]) expect(trie.insert(key)).toBe(-1);
    expect(trie.size).toBe(0);
    expect(trie.insert('x'.repeat(256))).toBe(0);
  });

  it('refuses a key needing a 64th distinct byte, and keeps the keys it has', () => {
    const trie = new FieldKeyTrie();
    const bytes = Array.from({ length: 94 }, (_, i) => String.fromCharCode(0x21 + i)).filter((c) => !',=\\'.includes(c));
    expect(trie.insert(bytes.slice(0, 40).join(''))).toBe(0);
    expect(trie.insert(`${bytes.slice(30, 63).join('')}${bytes[0] ?? ''}`)).toBe(1);
    expect(trie.insert(`${bytes[0] ?? ''}${bytes[63] ?? ''}`)).toBe(-1);
    expect(trie.find(bytes.slice(0, 40).join(''))).toBe(0);
  });

  it('says it is full once it holds its maximum of keys, and then admits no more', () => {
    const trie = new FieldKeyTrie();
    let i = 0;
    while (!trie.full) expect(trie.insert(`f${i++}`)).toBe(i - 1);
    expect(trie.insert('one_more')).toBe(-1);
    expect(trie.find('f0')).toBe(0);
    expect(trie.find(`f${i - 1}`)).toBe(i - 1);
  });
});

/** Decodes `payload` with `trie` offered to the decoder; per line, per field: key and the id the decoder reported. */
function decodeWithTrie(payload: string, trie: FieldKeyTrie | null): { lines: [string, number][][]; bad: string[] } {
  const lines: [string, number][][] = [];
  const bad: string[] = [];
  new TelegrafDecoder().decode(Buffer.from(payload), { nowMs: 1 }, {
    fieldKeys: trie,
    line(line: DecodedLine) {
      lines.push(Array.from({ length: line.fieldCount }, (_, i) => [line.fieldKey(i), line.fieldKeyId(i)]));
    },
    badLine(reason) {
      bad.push(reason);
    },
  });
  return { lines, bad };
}

describe('the line-protocol decoder walking a field key trie', () => {
  const trie = new FieldKeyTrie();
  const [usage, usageIdle, a, ab] = ['usage', 'usage_idle', 'a', 'ab'].map((k) => trie.insert(k));

  it('reports the id of a known key and NOT_IN_TRIE for any other, prefixes and extensions included', () => {
    expect(decodeWithTrie('m usage=1,usage_idle=2,usage_i=3,usage_idlex=4,a=5,ab=6,abc=7,b=8', trie).lines).toEqual([
      [['usage', usage], ['usage_idle', usageIdle], ['usage_i', NOT_IN_TRIE], ['usage_idlex', NOT_IN_TRIE], ['a', a], ['ab', ab], ['abc', NOT_IN_TRIE], ['b', NOT_IN_TRIE]],
    ]);
  });

  it('scans on, escapes and all, where the walk stops inside a key', () => {
    expect(decodeWithTrie('m a\\ b=1,ab\\=c=2,ab\\,=3,a\\b=4,aé=5,ab"=6', trie).lines).toEqual([
      [['a b', NOT_IN_TRIE], ['ab=c', NOT_IN_TRIE], ['ab,', NOT_IN_TRIE], ['a\\b', NOT_IN_TRIE], ['aé', NOT_IN_TRIE], ['ab"', NOT_IN_TRIE]],
    ]);
  });

  it('rejects the same malformed lines as without a trie', () => {
    for (const payload of ['m ab', 'm ab\n', 'm usage', 'm usage_idle ', 'm a,ab=1', 'm ab=', 'm ab=x', 'm usage\\']) {
      expect(decodeWithTrie(payload, trie).bad).toEqual(decodeWithTrie(payload, null).bad);
      expect(decodeWithTrie(payload, trie).bad).toHaveLength(1);
    }
  });

  it('decodes every prefix of a line as without a trie: the walks and scans stop at the end of the payload', () => {
    // The hot loops have no end-of-payload test of their own (reading past the end stops them); cut everywhere.
    const line = 'm,host=a,region=b usage_idle=1.5,usage=2i,ab=3 1700000000000000000';
    for (let end = 0; end <= line.length; end++) {
      const plain = decodeWithTrie(line.slice(0, end), null);
      const idOf = (k: string): number => (trie.find(k) >= 0 ? trie.find(k) : NOT_IN_TRIE);
      expect(decodeWithTrie(line.slice(0, end), trie)).toEqual({ ...plain, lines: plain.lines.map((l) => l.map(([k]) => [k, idOf(k)])) });
    }
  });

  it('reports NO_KEY_ID when no trie is offered', () => {
    expect(decodeWithTrie('m a=1', null).lines).toEqual([[['a', NO_KEY_ID]]]);
  });

  it('decodes any line exactly as without a trie, the ids being those of the trie', () => {
    const key = fc.stringMatching(/^[a-c_\\ ,=]{1,5}$/).filter((k) => !k.endsWith('\\'));
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[a-c_]{1,4}$/), { maxLength: 8 }), fc.array(key, { minLength: 1, maxLength: 6 }), (known, fields) => {
        const t = new FieldKeyTrie();
        for (const k of known) t.insert(k);
        const payload = `m ${fields.map((f, i) => `${f}=${i}`).join(',')}`;
        const plain = decodeWithTrie(payload, null);
        const walked = decodeWithTrie(payload, t);
        expect(walked.bad).toEqual(plain.bad);
        expect(walked.lines.map((l) => l.map(([k]) => k))).toEqual(plain.lines.map((l) => l.map(([k]) => k)));
        for (const [k, id] of walked.lines.flat()) expect(id).toBe(t.find(k) >= 0 ? t.find(k) : NOT_IN_TRIE);
      }),
      { numRuns: 500 },
    );
  });
});

describe('the ingest stage and its field key trie', () => {
  const rig = () => stageRig();

  it('learns the plain keys it meets, and goes on finding the slots they name', () => {
    const { stage, points, sink, tally } = rig();
    const allowlist = compileAllowlist({ version: 1, entries: [{ measurement: 'cpu', fields: ['usage_idle'] }, { measurement: 'mem', fields: ['usage'] }] });
    stage.decodeAndFilter(Buffer.from('cpu usage=1,usage_idle=2,a\\ b=3\nmem usage_idle=4,usage=5\ncpu usage_idle=6,usage=7'), { nowMs: 1 }, allowlist, sink);
    expect([stage.fieldKeys.find('usage'), stage.fieldKeys.find('usage_idle')].every((id) => id >= 0)).toBe(true);
    expect(stage.fieldKeys.size).toBe(2);
    expect(points.map((p) => [p.name, p.value])).toEqual([['cpu.usage_idle', 2], ['mem.usage', 5], ['cpu.usage_idle', 6]]);
    expect(new Map(tally.drain().names.map((n) => [n.name, [n.seen, n.passed]]))).toEqual(
      new Map([['cpu.usage', [2, 0]], ['cpu.usage_idle', [2, 2]], ['cpu.a b', [1, 0]], ['mem.usage_idle', [1, 0]], ['mem.usage', [1, 1]]]),
    );
  });

  it('finds the slot of a learnt key by its id, without hashing the key', () => {
    const { stage, sink } = rig();
    const allowlist = compileAllowlist({ version: 1, entries: [{ measurement: 'cpu' }] });
    stage.decodeAndFilter(Buffer.from('cpu usage=1,usage_idle=2'), { nowMs: 1 }, allowlist, sink);
    const hash = vi.spyOn(InfluxLine.prototype, 'fieldKeyHash');
    stage.decodeAndFilter(Buffer.from('cpu usage_idle=3,usage=4\ncpu usage=5,usage_idle=6'), { nowMs: 1 }, allowlist, sink);
    expect(hash).not.toHaveBeenCalled();
    stage.decodeAndFilter(Buffer.from('cpu usage\\ x=7'), { nowMs: 1 }, allowlist, sink);
    expect(hash).toHaveBeenCalledTimes(1);
    hash.mockRestore();
  });

  it('keeps the trie across an allowlist swap and a drain, but not the slots its ids led to', () => {
    const { stage, points, sink, tally } = rig();
    const run = (allowed: string) => stage.decodeAndFilter(Buffer.from('cpu ab=1,a=2'), { nowMs: 1 }, compileAllowlist({ version: 1, entries: [{ measurement: 'cpu', fields: [allowed] }] }), sink);
    run('a');
    const trie = stage.fieldKeys;
    run('ab');
    tally.drain();
    run('a');
    expect(stage.fieldKeys).toBe(trie);
    expect(points.map((p) => p.name)).toEqual(['cpu.a', 'cpu.ab', 'cpu.a']);
    expect(tally.drain().names.map((n) => [n.name, n.seen, n.passed])).toEqual([['cpu.ab', 1, 0], ['cpu.a', 1, 1]]);
  });

  it('starts a new trie at the next drain once the old one is full, and counts the same either way', () => {
    const { stage, sink, tally } = rig();
    const allowlist = compileAllowlist({ version: 1, entries: [{ measurement: 'm', fields: ['x'] }] });
    const lines = Array.from({ length: 1_000 }, (_, i) => `m ${Array.from({ length: 10 }, (_, j) => `k${i * 10 + j}=1`).join(',')},x=1`).join('\n');
    stage.decodeAndFilter(Buffer.from(lines), { nowMs: 1 }, allowlist, sink);
    const full = stage.fieldKeys;
    expect(full.full).toBe(true);
    stage.decodeAndFilter(Buffer.from('m x=2,k0=1'), { nowMs: 1 }, allowlist, sink);
    expect(stage.fieldKeys).toBe(full);
    const before = tally.drain();
    expect(before.names.find((n) => n.name === 'm.x')).toMatchObject({ seen: 1_001, passed: 1_001 });
    stage.decodeAndFilter(Buffer.from('m x=3,k0=1,zz=1\nm x=4,k0=1,zz=1'), { nowMs: 1 }, allowlist, sink);
    expect(stage.fieldKeys).not.toBe(full);
    expect(stage.fieldKeys.size).toBe(3);
    expect(tally.drain().names.map((n) => [n.name, n.seen, n.passed])).toEqual([['m.x', 2, 2], ['m.k0', 2, 0], ['m.zz', 2, 0]]);
  });
});
