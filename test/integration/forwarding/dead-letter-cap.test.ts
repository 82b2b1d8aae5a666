import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBridge, type RunningBridge } from '../../../src/main.js';
import { startEngineSimulator, type RunningSimulator } from '../../simulator/index.js';
import { createTopic, testConfig, testLogger, waitFor, writeAllowlist } from '../../support/bridge-harness.js';
import { backlogPoints, bridgeMetric, dropKeys, newForwardQueue } from './forwarding-harness.js';

// The dead-letter set is capped: at the cap the bridge raises an alarm and pauses ingest (the stream waits in
// Kafka) rather than evicting dead letters or letting the set grow without bound.
const CAP = 3;

describe('a bridge whose dead-letter set reached its cap', () => {
  let sim: RunningSimulator;
  let bridge: RunningBridge;
  let prefix: string;

  beforeAll(async () => {
    sim = await startEngineSimulator({ tokenTtlSeconds: 600 });
    const topic = await createTopic(1);
    const config = testConfig({ topic, engineUrl: sim.url, allowlistFile: writeAllowlist([0]), overrides: { forward: { deadLetterCap: CAP, attempts: 1 } } });
    prefix = config.redis.keyPrefix;
    bridge = await startBridge(config, testLogger(process.env.AIOPS_TEST_LOG ?? 'fatal'));
    sim.setFaults({ shapeChange: true }); // each batch a dead letter after one attempt
    const queue = newForwardQueue(prefix, 1);
    await queue.enqueue(Array.from({ length: CAP }, (_, j) => ({ id: `cap-${j}`, points: backlogPoints(j, 5, Date.UTC(2026, 0, 15)) })));
    await queue.close();
  });
  afterAll(async () => {
    await bridge?.stop();
    await sim?.close();
    await dropKeys(prefix);
  });

  it('raises the alarm and pauses ingest, keeping every dead letter', async () => {
    const port = bridge.httpPort ?? 0;
    await waitFor('the alarm gauge', async () => (await bridgeMetric(port, 'aiops_forward_dead_letters_full')) === 1, 20_000);
    const status = (await (await fetch(`http://127.0.0.1:${port}/api/v1/status`)).json()) as { ingestPaused: boolean; deadLetters: { count: number; cap: number; full: boolean } };
    expect(status.deadLetters).toEqual({ count: CAP, cap: CAP, full: true });
    await waitFor('ingest paused', async () => bridge.kafka?.isPaused === true, 5_000, 100);
    expect(await bridgeMetric(port, 'aiops_ingest_paused')).toBe(1);
  });
});
