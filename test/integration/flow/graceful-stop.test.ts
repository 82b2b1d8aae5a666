import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppConfig } from '../../../src/infrastructure/config/config-schema.js';
import { startBridge, type RunningBridge } from '../../../src/main.js';
import { startEngineSimulator, type RunningSimulator } from '../../simulator/index.js';
import { committedLag, createTopic, kafka, produceLines, testConfig, testLogger, waitFor, writeAllowlist } from '../../support/bridge-harness.js';
import type { GeneratorOptions } from '../../support/telegraf-generator.js';
import { expectExactlyDelivered, expectedKeys, removeRedisKeys } from '../ingest/ingest-fixtures.js';

const LINES = 2_000;
const gen: GeneratorOptions = { measurements: 10, fieldsPer: 1, hosts: 5, startMs: Date.UTC(2026, 10, 20) };
const ALLOWED = [0, 1, 2];

// Points still waiting in the open batch when the bridge is told to stop must be handed over (enqueued and their
// offsets committed) before it leaves the consumer group; otherwise the next owner reads them again.
describe('a bridge stopped while it holds points in its open batch', () => {
  let sim: RunningSimulator;
  let topic: string;
  let groupId: string;
  let stopError: unknown = 'not stopped';
  let lagBeforeStop = -1;
  let config: AppConfig;
  let next: RunningBridge | undefined;

  beforeAll(async () => {
    sim = await startEngineSimulator({ tokenTtlSeconds: 600 });
    topic = await createTopic(3);
    // A linger far longer than the test: only the stop can flush.
    config = testConfig({ topic, engineUrl: sim.url, allowlistFile: writeAllowlist(ALLOWED), overrides: { batch: { maxLingerMs: 60_000 } } });
    groupId = config.kafka.groupId;
    const bridge = await startBridge(config, testLogger());
    await produceLines(topic, gen, 0, LINES, 20);
    // Every line read (the tally reaches the counters every 5 s), none committed: the points sit in the open batch.
    await waitFor('every line decoded', async () => ((await bridge.metrics.linesDecoded.get()).values[0]?.value ?? 0) >= LINES, 20_000);
    const admin = kafka.admin();
    await admin.connect();
    lagBeforeStop = await committedLag(admin, topic, groupId);
    await admin.disconnect();
    stopError = await bridge.stop().then(
      () => undefined,
      (err: unknown) => err,
    );
  });
  afterAll(async () => {
    await next?.stop();
    await sim?.close();
    await removeRedisKeys([config.redis.keyPrefix]);
  });

  it('had nothing committed before the stop', () => {
    expect(lagBeforeStop).toBe(LINES / 20);
  });

  it('stops without error and commits every message it had read', async () => {
    expect(stopError).toBeUndefined();
    const admin = kafka.admin();
    await admin.connect();
    try {
      expect(await committedLag(admin, topic, groupId)).toBe(0);
    } finally {
      await admin.disconnect();
    }
  });

  // Lag 0 alone would also hold if the held points had been dropped: they must reach the engine, each exactly
  // once, after the next start (the stop may leave them queued for the next forwarder).
  it('delivers every point it held at the stop after the next start', async () => {
    next = await startBridge(config, testLogger());
    await expectExactlyDelivered({ sim, bridge: next, topic, groupId, expected: expectedKeys(gen, 0, LINES, ALLOWED), tsFrom: gen.startMs, tsTo: gen.startMs + 86_400_000 });
    expect(sim.report().distinctPoints).toBe(expectedKeys(gen, 0, LINES, ALLOWED).size);
  });
});
