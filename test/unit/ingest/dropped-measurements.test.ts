import { describe, expect, it } from 'vitest';
import type { DecodeContext } from '../../../src/application/ingest/payload-decoder.js';
import type { AllowlistEntry } from '../../../src/domain/allowlist/allowlist-spec.js';
import { compileAllowlist, type CompiledAllowlist } from '../../../src/domain/allowlist/compile-allowlist.js';
import { stageRig } from './stage-rig.js';

// Lines of a measurement no allowlist entry can pass are decoded in full only `FULL` times per tally interval;
// after that they are counted and passed over unread. Whatever those lines hold, nothing of them may pass, no
// neighbour may be lost or invented, and the tally must still count every line and every field.
const FULL = 4;
const CTX: DecodeContext = { nowMs: 5_000 };
const allow = (...entries: AllowlistEntry[]): CompiledAllowlist => compileAllowlist({ version: 1, entries });
const KEEP = allow({ measurement: 'keep' });
const rig = (fullLines = FULL) => stageRig({}, CTX, { fullLinesOfDroppedMeasurements: fullLines });
const dropLine = (i: number): string => `drop,host=h${i} a=${i},b=${i}i,c=true ${i + 1}000000`;
const keepLine = (i: number): string => `keep,host=h${i} v=${i} ${i + 1}000000`;
/** Drop and keep lines alternating, `n` of each. */
const mixed = (n: number, drop: (i: number) => string = dropLine): string =>
  Array.from({ length: n }, (_, i) => `${drop(i)}\n${keepLine(i)}`).join('\n');
const tallyOf = (snapshot: ReturnType<ReturnType<typeof rig>['tally']['drain']>) =>
  Object.fromEntries(snapshot.names.map((n) => [n.name, [n.seen, n.passed, n.dropped.not_allowlisted, n.dropped.non_numeric_field]]));

describe('lines of a measurement that can never pass', () => {
  it('are passed over after the sample, while every allowlisted neighbour passes and every line is counted', () => {
    const { points, bad, tally, stage, run } = rig();
    const skipped: number[] = [];
    const original = stage.skipped.bind(stage);
    stage.skipped = (id) => {
      skipped.push(id);
      original(id);
    };
    run(mixed(100), KEEP);
    expect(points.map((p) => p.value)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(bad).toEqual([]);
    // The first FULL lines of `drop` are decoded (and one more before its name is recognised by id).
    expect(skipped.length).toBeGreaterThanOrEqual(100 - FULL - 1);
    const snapshot = tally.drain();
    expect(snapshot.lines).toBe(200);
    expect(tallyOf(snapshot)).toEqual({ 'drop.a': [100, 0, 100, 0], 'drop.b': [100, 0, 100, 0], 'drop.c': [100, 0, 100, 0], 'keep.v': [100, 100, 0, 0] });
  });

  it('decode every line in full when the option is off (the default of the stage)', () => {
    const { stage, run } = rig(Infinity);
    let skipped = 0;
    stage.skipped = () => void skipped++;
    run(mixed(50), KEEP);
    expect(stage.skippable).toBeNull();
    expect(skipped).toBe(0);
  });

  it('count the fields of the lines passed over in the proportion the decoded lines showed', () => {
    const { tally, run } = rig();
    // Every decoded line of `drop` has fields a and s (a string); half of them also have z.
    const line = (i: number) => `drop,host=h a=1,s="x"${i % 2 === 0 ? ',z=1' : ''} ${i + 1}000000`;
    // No quote in the lines passed over would be impossible here (s is a string): such lines are decoded in
    // full, so this measures the quote fallback at the same time: nothing is estimated.
    run(mixed(40, line), KEEP);
    expect(tallyOf(tally.drain())).toMatchObject({ 'drop.a': [40, 0, 40, 0], 'drop.s': [40, 0, 0, 40], 'drop.z': [20, 0, 20, 0] });
  });

  it('scale the sampled field counts over the lines passed over', () => {
    const { tally, run } = rig();
    const line = (i: number) => `drop,host=h a=1${i % 2 === 0 ? ',z=1' : ''} ${i + 1}000000`;
    run(mixed(400, line), KEEP);
    const counts = tallyOf(tally.drain());
    expect(counts['drop.a']).toEqual([400, 0, 400, 0]);
    // z was on half of the sampled lines (FULL + 1 of them: 3 of 5 or 2 of 4), estimated over the 400.
    expect(counts['drop.z']![0]).toBeGreaterThanOrEqual(160);
    expect(counts['drop.z']![0]).toBeLessThanOrEqual(240);
  });

  it('never let a string that spans lines be read as a line of its own', () => {
    const { points, bad, run } = rig();
    // After the sample, a `drop` line holds a string field whose value contains a newline and text that looks
    // like an allowlisted line. Passing over it to the first LF would forward `keep v=666`.
    const sneaky = 'drop,host=h s="first\nkeep,host=evil v=666 1000000",a=1 9000000';
    run(`${mixed(10)}\n${sneaky}\n${keepLine(10)}`, KEEP);
    expect(points.map((p) => p.value)).toEqual([...Array.from({ length: 10 }, (_, i) => i), 10]);
    expect(points.some((p) => p.tags['host'] === 'evil')).toBe(false);
    expect(bad).toEqual([]);
  });

  it('count a malformed line passed over as a line of its measurement, never as a point', () => {
    const { points, bad, tally, run } = rig();
    const broken = 'drop,host=h a=oops,b=1 garbage-timestamp';
    run(`${mixed(10)}\n${broken}\n${keepLine(10)}`, KEEP);
    expect(points).toHaveLength(11);
    expect(bad).toEqual([]);
    expect(tally.drain().lines).toBe(22);
  });

  it('report a malformed line among the sampled ones as bad, as before', () => {
    const { bad, run } = rig();
    run(`drop,host=h a=oops\n${mixed(10)}`, KEEP);
    expect(bad.map(([reason]) => reason)).toEqual(['bad_field_value']);
  });

  it('still count toward the message line limit', () => {
    const { tally, sink, stage } = rig();
    const run = () => stage.decodeAndFilter(Buffer.from(mixed(100)), CTX, KEEP, sink);
    const limited = stageRig({}, CTX, { fullLinesOfDroppedMeasurements: FULL, message: { maxMessageBytes: Infinity, maxLinesPerMessage: 150 } });
    expect(() => limited.stage.decodeAndFilter(Buffer.from(mixed(100)), CTX, KEEP, limited.sink)).toThrow(/too_many_lines/);
    run();
    expect(tally.drain().lines).toBe(200);
  });

  it('are decoded in full again in a payload that is not valid UTF-8, so a broken sequence is still bad_utf8', () => {
    const { stage, sink } = rig();
    stage.decodeAndFilter(Buffer.from(mixed(20)), CTX, KEEP, sink); // past the sample
    const payload = Buffer.concat([Buffer.from(`${dropLine(1)}\ndrop,host=`), Buffer.from([0xc3, 0x28]), Buffer.from(` a=1 1000000\n${keepLine(1)}`)]);
    const seen: string[] = [];
    stage.decodeAndFilter(payload, CTX, KEEP, { accept: (p) => seen.push(p.name), badLine: (reason) => seen.push(reason) });
    expect(seen).toEqual(['bad_utf8', 'keep.v']);
  });

  it('pass the moment an allowlist swap lets them, and the lines at the end of a payload without LF too', () => {
    const { points, run } = rig();
    run(mixed(20), KEEP);
    expect(points.filter((p) => p.name.startsWith('drop.'))).toEqual([]);
    run(dropLine(7), allow({ measurement: 'keep' }, { measurement: 'drop', fields: ['a'] }));
    expect(points.filter((p) => p.name.startsWith('drop.')).map((p) => [p.name, p.value])).toEqual([['drop.a', 7]]);
  });

  it('are never passed over when a field of theirs is counted in the shared `other` (past the name budget)', () => {
    const { tally, run } = stageRig({ maxNames: 2 }, CTX, { fullLinesOfDroppedMeasurements: FULL });
    // Field c first appears on the last sampled line, and is the third name: it goes to `other`.
    run(Array.from({ length: 100 }, (_, i) => `drop,host=h a=${i},b=1${i >= FULL - 1 ? ',c=1' : ''} ${i + 1}000000`).join('\n'), KEEP);
    const snapshot = tally.drain();
    expect(snapshot.lines).toBe(100);
    expect(snapshot.other.seen).toBe(100 - (FULL - 1));
    expect(snapshot.names.map((n) => [n.name, n.seen])).toEqual([['drop.a', 100], ['drop.b', 100]]);
  });

  it('start over after a drain: the next interval samples again', () => {
    const { bad, tally, run } = rig();
    run(mixed(20), KEEP);
    tally.drain();
    run(`drop,host=h a=oops\n${mixed(2)}`, KEEP);
    expect(bad.map(([reason]) => reason)).toEqual(['bad_field_value']);
  });
});
