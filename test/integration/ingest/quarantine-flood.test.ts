import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisQuarantine } from '../../../src/infrastructure/redis/redis-quarantine.js';
import { startBridge, type RunningBridge } from '../../../src/main.js';
import { startEngineSimulator, type RunningSimulator } from '../../simulator/index.js';
import { createTopic, produceRaw, testConfig, testLogger, waitCommittedToEnd, waitFor, writeAllowlist } from '../../support/bridge-harness.js';
import { services } from '../../support/services.js';
import { removeRedisKeys } from './ingest-fixtures.js';

// A producer whose clock is off floods the bridge with points stamped 0 (before notBefore): every one is refused,
// counted and quarantined with its reason. Quarantined, not all of them: at most ingest.quarantinePerSecond a
// second are written; the rest are counted as skipped. The good points among them still go through.
const PER_SECOND = 50;
const MESSAGES = 20;
const BAD_PER_MESSAGE = 199;

describe('a flood of refused points', () => {
  let sim: RunningSimulator;
  let bridge: RunningBridge;
  let topic: string;
  let groupId: string;
  let keyPrefix: string;
  let started = 0;

  beforeAll(async () => {
    sim = await startEngineSimulator({ tokenTtlSeconds: 600 });
    topic = await createTopic(1);
    const now = Date.now();
    for (let m = 0; m < MESSAGES; m++) {
      const bad = Array.from({ length: BAD_PER_MESSAGE }, (_, i) => `svc_000,host=h${i} f0=${i} 0`);
      await produceRaw(topic, [...bad, `svc_000,host=good f0=${m} ${(now - m * 1_000) * 1_000_000}`].join('\n'));
    }
    const config = testConfig({ topic, engineUrl: sim.url, allowlistFile: writeAllowlist([0]), overrides: { ingest: { quarantinePerSecond: PER_SECOND } } });
    groupId = config.kafka.groupId;
    keyPrefix = config.redis.keyPrefix;
    started = Date.now();
    bridge = await startBridge(config, testLogger());
    await waitCommittedToEnd(topic, groupId, 30_000);
  }, 60_000);
  afterAll(async () => {
    await bridge?.stop();
    await sim?.close();
    if (keyPrefix) await removeRedisKeys([keyPrefix]);
  });

  it('delivers the good points among them', async () => {
    await waitFor('the good points at the engine', async () => sim.report().distinctPoints >= MESSAGES, 20_000);
    expect(sim.report().distinctPoints).toBe(MESSAGES);
  });

  it('writes at most the budget a second to the quarantine and counts every line it left out', async () => {
    const redis = new Redis(services.redisUrl);
    try {
      const quarantine = new RedisQuarantine(redis, { keyPrefix });
      const total = MESSAGES * BAD_PER_MESSAGE;
      const skippedOf = async () => (await bridge.metrics.quarantineSkipped.get()).values.reduce((n, v) => n + v.value, 0);
      const writtenOf = async () => (await quarantine.list({ limit: 1000 })).entries.length;
      await waitFor('every refused line written or skipped', async () => (await writtenOf()) + (await skippedOf()) === total, 20_000);
      const written = await writtenOf();
      const seconds = Math.ceil((Date.now() - started) / 1000) + 1;
      expect(written).toBeGreaterThanOrEqual(1);
      expect(written).toBeLessThanOrEqual(PER_SECOND * seconds);
      expect(await skippedOf()).toBe(total - written);
      const entries = (await quarantine.list({ limit: 1000 })).entries;
      expect(entries.every((e) => e.reason === 'ts_out_of_window' && e.topic === topic)).toBe(true);
    } finally {
      redis.disconnect();
    }
  });

  it('still counts every refused point as dropped', async () => {
    const invalid = async () => (await bridge.metrics.pointsDropped.get()).values.filter((v) => v.labels.reason === 'invalid_point').reduce((n, v) => n + v.value, 0);
    await waitFor('the tally flushed', async () => (await invalid()) >= MESSAGES * BAD_PER_MESSAGE, 20_000);
    expect(await invalid()).toBe(MESSAGES * BAD_PER_MESSAGE);
  });
});
