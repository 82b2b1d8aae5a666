import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBridge, type RunningBridge } from '../../../src/main.js';
import { startEngineSimulator, type RunningSimulator } from '../../simulator/index.js';
import { committedLag, createTopic, kafka, produceLines, testConfig, testLogger, waitFor, writeAllowlist } from '../../support/bridge-harness.js';
import { pointKey, pointsOfLine, type GeneratorOptions } from '../../support/telegraf-generator.js';

const LINES = 10_000;
const gen: GeneratorOptions = { measurements: 100, fieldsPer: 1, hosts: 20, startMs: Date.UTC(2026, 10, 25, 0, 0, 0) };
const ALLOWED = Array.from({ length: 10 }, (_, i) => i * 10); // 10 of 100 measurements: 10% of the lines

describe('metric flow: Kafka → decode → allowlist → queue → engine', () => {
  let sim: RunningSimulator;
  let bridge: RunningBridge;
  let topic: string;
  let groupId: string;

  beforeAll(async () => {
    sim = await startEngineSimulator({ tokenTtlSeconds: 600 });
    topic = await createTopic(3);
    await produceLines(topic, gen, 0, LINES, 10);
    const config = testConfig({ topic, engineUrl: sim.url, allowlistFile: writeAllowlist(ALLOWED) });
    groupId = config.kafka.groupId;
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
});
