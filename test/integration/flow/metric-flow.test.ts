import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBridge, type RunningBridge } from '../../../src/main.js';
import { startEngineSimulator, type RunningSimulator } from '../../simulator/index.js';
import { Redis } from 'ioredis';
import { queryMetricCatalog } from '../../../src/application/catalog/query-metric-catalog.js';
import { RedisMetricCatalog } from '../../../src/infrastructure/redis/redis-metric-catalog.js';
import { RedisQuarantine } from '../../../src/infrastructure/redis/redis-quarantine.js';
import {
  committedLag,
  createTopic,
  kafka,
  produceLines,
  produceRaw,
  testConfig,
  testLogger,
  waitFor,
  writeAllowlist,
} from '../../support/bridge-harness.js';
import { services } from '../../support/services.js';
import { pointKey, pointsOfLine, type GeneratorOptions } from '../../support/telegraf-generator.js';

const LINES = 10_000;
const gen: GeneratorOptions = { measurements: 100, fieldsPer: 1, hosts: 20, startMs: Date.UTC(2026, 10, 25, 0, 0, 0) };
const ALLOWED = Array.from({ length: 10 }, (_, i) => i * 10); // 10 of 100 measurements: 10% of the lines

describe('metric flow: Kafka → decode → allowlist → queue → engine', () => {
  let sim: RunningSimulator;
  let bridge: RunningBridge;
  let topic: string;
  let groupId: string;
  let keyPrefix: string;

  beforeAll(async () => {
    sim = await startEngineSimulator({ tokenTtlSeconds: 600 });
    topic = await createTopic(3);
    await produceLines(topic, gen, 0, LINES, 10);
    // Two malformed lines between two good ones (a measurement nobody allowlisted): counted, quarantined, skipped.
    await produceRaw(topic, ['other_m,host=a value=1 1', 'svc_000,host=a f0=oops 2', 'svc_000,host=a 3', 'other_m,host=a value=2 4'].join('\n'));
    const config = testConfig({ topic, engineUrl: sim.url, allowlistFile: writeAllowlist(ALLOWED) });
    groupId = config.kafka.groupId;
    keyPrefix = config.redis.keyPrefix;
    bridge = await startBridge(config, testLogger());
  });
  afterAll(async () => {
    await bridge?.stop();
    await sim?.close();
  });

  it('delivers every allowlisted point at least once and nothing else', async () => {
    const expected = new Set<string>();
    for (let i = 0; i < LINES; i++) {
      for (const p of pointsOfLine(i, gen)) if (ALLOWED.includes(i % gen.measurements)) expected.add(pointKey(p));
    }
    expect(expected.size).toBe(LINES / 10);
    await waitFor('all allowlisted points at the engine', async () => sim.report().distinctPoints >= expected.size, 60_000);
    const received = Object.keys(sim.points());
    const unexpected = received.filter((k) => !expected.has(k));
    const missing = [...expected].filter((k) => !received.includes(k));
    expect(unexpected).toEqual([]);
    expect(missing).toEqual([]);
  });

  it('commits the consumer group to the end of every partition', async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const lag = await waitFor('committed offsets at the end', async () => ((await committedLag(admin, topic, groupId)) === 0 ? 0 : undefined), 30_000);
      expect(lag).toBe(0);
      const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
      expect(offsets[0]?.partitions).toHaveLength(3);
    } finally {
      await admin.disconnect();
    }
  });

  it('books what flowed in the metric catalog and quarantines the bad lines with their position', async () => {
    const redis = new Redis(services.redisUrl);
    try {
      const query = queryMetricCatalog(new RedisMetricCatalog(redis, { keyPrefix }));
      const byName = await waitFor(
        'the tally flushed to the catalog',
        async () => {
          const { entries } = await query({ minutes: 60, limit: 1000 });
          const map = new Map(entries.map((e) => [e.name, e]));
          return (map.get('other_m.value')?.seen ?? 0) >= 2 && (map.get('_unparsed')?.seen ?? 0) >= 2 ? map : undefined;
        },
        20_000,
      );
      expect(byName.get('svc_000.f0')).toMatchObject({ seen: 100, passed: 100, tagKeys: ['dc', 'host'] });
      expect(byName.get('svc_001.f0')).toMatchObject({ seen: 100, passed: 0, dropped: { not_allowlisted: 100 } });
      expect(byName.get('other_m.value')).toMatchObject({ seen: 2, passed: 0, dropped: { not_allowlisted: 2 } });
      expect(byName.get('_unparsed')).toMatchObject({ seen: 2, dropped: { bad_line: 2 } });
      const quarantine = new RedisQuarantine(redis, { keyPrefix });
      const { entries } = await quarantine.list({ limit: 10 });
      expect(entries.map((e) => [e.raw, e.reason]).sort()).toEqual([
        ['svc_000,host=a 3', 'bad_field_key'],
        ['svc_000,host=a f0=oops 2', 'bad_field_value'],
      ]);
      expect(entries.every((e) => e.topic === topic && Number(e.offset) >= 0)).toBe(true);
    } finally {
      redis.disconnect();
    }
  });
});
