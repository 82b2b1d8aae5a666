import { describe, expect, it } from 'vitest';
import { DEFAULT_POINT_RULES } from '../../../src/application/ingest/point-rules.js';
import { loadConfig } from '../../../src/infrastructure/config/load-config.js';
import { decodeContextOf, stageOptionsOf } from '../../../src/infrastructure/config/ingest-options.js';
import { DEFAULT_LINE_LIMITS, DEFAULT_MESSAGE_LIMITS } from '../../../src/application/ingest/ingest-defaults.js';
import { NOW, NS, rig } from './service-rig.js';

const good = (ts: number) => `cpu,host=a usage=1 ${NS(ts)}`;
const deepJson = (depth: number) => `{"metrics":[${'['.repeat(depth)}${']'.repeat(depth)}]}`;

describe('a Kafka message that breaks the decoder (poison)', () => {
  describe('when JSON nests thousands deep (~10 KB that JSON.stringify cannot walk)', () => {
    it('refuses that message whole, delivers its neighbours and commits past it', async () => {
      const r = rig();
      await r.feed(good(NOW - 2), deepJson(5000), good(NOW - 1));
      expect(r.names()).toEqual([`cpu.usage@${NOW - 2}`, `cpu.usage@${NOW - 1}`]);
      expect(r.rejected.map((x) => [x.offset, x.reason])).toEqual([['1', 'too_deep']]);
      expect(r.quarantined).toEqual(['1:too_deep']);
      expect(r.commits.at(-1)).toMatchObject({ partition: 0, offset: '3' });
      expect(r.tally.drain().badLines).toEqual({ too_deep: 1 });
    });
  });

  describe('when the depth limit is set high enough to let the RangeError happen', () => {
    it('catches it per message as decode_error and keeps none of the message', async () => {
      const r = rig({ maxJsonDepth: 10_000 });
      await r.feed(deepJson(8000), good(NOW));
      expect(r.rejected).toHaveLength(1);
      expect(r.rejected[0]).toMatchObject({ offset: '0', reason: 'decode_error' });
      expect(r.rejected[0]?.error).toBeInstanceOf(RangeError);
      expect(r.names()).toEqual([`cpu.usage@${NOW}`]);
    });
  });

  describe('when a message fails after some of its lines passed', () => {
    it('forwards none of its good prefix (no duplicate on a retry, no half message)', async () => {
      const r = rig({ maxLinesPerMessage: 3 });
      await r.feed([good(NOW - 5), good(NOW - 4), good(NOW - 3), good(NOW - 2)].join('\n'), good(NOW));
      expect(r.names()).toEqual([`cpu.usage@${NOW}`]);
      expect(r.rejected.map((x) => x.reason)).toEqual(['too_many_lines']);
      expect(r.commits.at(-1)).toMatchObject({ offset: '2' });
    });
  });

  describe('when a message is bigger than maxMessageBytes', () => {
    it('refuses it before decoding, as message_too_large', async () => {
      const r = rig({ maxMessageBytes: 2048 });
      await r.feed(Array.from({ length: 100 }, (_, i) => good(NOW - i)).join('\n'), good(NOW));
      expect(r.rejected.map((x) => [x.reason, x.bytes > 2048])).toEqual([['message_too_large', true]]);
      expect(r.names()).toEqual([`cpu.usage@${NOW}`]);
    });
  });

  describe('when one line carries 200 tags × 500 fields', () => {
    const tags = Array.from({ length: 200 }, (_, i) => `t${String(i).padStart(3, '0')}=v`).join(',');
    const fields = Array.from({ length: 500 }, (_, i) => `f${i}=1`).join(',');

    it('makes that line bad (too_many_tags) and keeps the lines around it', async () => {
      const r = rig({ maxTagsPerLine: 100 });
      await r.feed([good(NOW - 1), `cpu,${tags} ${fields} ${NS(NOW)}`, good(NOW - 2)].join('\n'));
      expect(r.names()).toEqual([`cpu.usage@${NOW - 1}`, `cpu.usage@${NOW - 2}`]);
      expect(r.quarantined).toEqual(['0:too_many_tags']);
      expect(r.rejected).toEqual([]);
    });

    it('drops its points by the engine tag limit under the default bounds (tags_too_large, once for the line)', async () => {
      const r = rig();
      await r.feed([good(NOW - 1), `cpu,${tags} ${fields} ${NS(NOW)}`, good(NOW - 2)].join('\n'));
      expect(r.names()).toEqual([`cpu.usage@${NOW - 1}`, `cpu.usage@${NOW - 2}`]);
      expect(r.quarantined).toEqual(['0:tags_too_large']);
      expect(r.tally.drain().invalidPoints).toEqual({ tags_too_large: 500 });
    });

    it('makes it too_many_fields when the tags are within bounds', async () => {
      const fields = Array.from({ length: 500 }, (_, i) => `f${i}=1`).join(',');
      const r = rig({ maxFieldsPerLine: 100 });
      await r.feed([`cpu,host=a ${fields} ${NS(NOW)}`, good(NOW - 1)].join('\n'));
      expect(r.quarantined).toEqual(['0:too_many_fields']);
      expect(r.names()).toEqual([`cpu.usage@${NOW - 1}`]);
    });

    it('applies the same bounds to a JSON metric', async () => {
      const fields = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`f${i}`, 1]));
      const r = rig({ maxFieldsPerLine: 100 });
      const metric = (f: object, ts: number) => JSON.stringify({ name: 'cpu', tags: { host: 'a' }, fields: f, timestamp: ts / 1000 });
      await r.feed(`{"metrics":[${metric(fields, NOW)},${metric({ usage: 2 }, NOW - 1000)}]}`);
      expect(r.quarantined).toEqual(['0:too_many_fields']);
      expect(r.names()).toEqual([`cpu.usage@${NOW - 1000}`]);
    });
  });

  describe('when a measurement or field key is longer than maxNameLength', () => {
    it('makes the line bad as name_too_long', async () => {
      const r = rig({ maxNameLength: 32 });
      await r.feed([`cpu,host=a ${'k'.repeat(40)}=1 ${NS(NOW)}`, `${'m'.repeat(40)},host=a x=1 ${NS(NOW)}`, good(NOW)].join('\n'));
      expect(r.quarantined).toEqual(['0:name_too_long', '0:name_too_long']);
      expect(r.names()).toEqual([`cpu.usage@${NOW}`]);
    });
  });
});

describe('the default point rules', () => {
  it('are the documented window: from 2000-01-01, up to 1 h ahead', () => {
    expect(DEFAULT_POINT_RULES).toMatchObject({ minTsMs: Date.UTC(2000, 0, 1), maxAheadMs: 3_600_000 });
    const config = loadConfig({ env: {}, forTool: true });
    expect(stageOptionsOf(config).points).toEqual(DEFAULT_POINT_RULES);
  });

  it('and the default limits are the constants bench/decode.ts measures with', () => {
    const config = loadConfig({ env: {}, forTool: true });
    expect(stageOptionsOf(config).message).toEqual(DEFAULT_MESSAGE_LIMITS);
    expect(decodeContextOf(config).limits).toEqual(DEFAULT_LINE_LIMITS);
  });
});
