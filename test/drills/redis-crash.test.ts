import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBridge, type RunningBridge } from '../../src/main.js';
import { startEngineSimulator, type RunningSimulator } from '../simulator/index.js';
import { bridgeStatusOf, committedLag, createTopic, kafka, produceLines, testConfig, testLogger, waitCommittedToEnd, waitFor, writeAllowlist } from '../support/bridge-harness.js';
import { privateRedis } from '../support/private-redis.js';
import type { GeneratorOptions } from '../support/telegraf-generator.js';
import { expectedKeys } from '../integration/ingest/ingest-fixtures.js';
import { sleep } from '../integration/forwarding/forwarding-harness.js';

// Drill: the queue's Redis (a private redis-server, appendonly with appendfsync always) is killed with SIGKILL
// in the middle of the stream and restarted from its AOF. Offsets are committed only after Redis acknowledged the
// enqueue, and with appendfsync always an acknowledged write is on disk: no point may be lost. While Redis is down
// the enqueue fails within a bounded time, the points stay held, nothing is committed and the consumer pauses.
// AIOPS_DRILL_LONG=1 keeps Redis down for 20 s instead of 4 s.
const LONG = process.env.AIOPS_DRILL_LONG === '1';
const DOWN_MS = LONG ? 20_000 : 4_000;
// After a long outage BullMQ's worker reconnects with up to 20 s between attempts, and a job that was active at
// the kill comes back only when its lock expires (30 s) and the stalled check runs (every 30 s): recovery takes up
// to ~1 min even after a short outage, so the wait allows 90 s (50 s was below that bound and failed once in CI).
const RECOVERY_MS = LONG ? 100_000 : 90_000;
const LINES = 40_000;
const ALLOWED = [0, 1, 2, 3, 4];
const gen: GeneratorOptions = { measurements: 10, fieldsPer: 1, hosts: 20, startMs: Date.UTC(2026, 10, 21) };

describe('the queue Redis killed mid-stream and restarted from its AOF', () => {
  let redis: Awaited<ReturnType<typeof privateRedis>>;
  let sim: RunningSimulator;
  let bridge: RunningBridge;
  let topic: string;
  let groupId: string;
  let pausedWhileDown = false;
  let lagWhileDown = 0;
  const expected = expectedKeys(gen, 0, LINES, ALLOWED);

  beforeAll(async () => {
    redis = await privateRedis();
    sim = await startEngineSimulator({ tokenTtlSeconds: 600 });
    topic = await createTopic(3);
    const config = testConfig({
      topic,
      engineUrl: sim.url,
      allowlistFile: writeAllowlist(ALLOWED),
      overrides: {
        redis: { url: redis.url, keyPrefix: 'drill', enqueueTimeoutMs: 1_000 },
        batch: { maxPoints: 500, maxLingerMs: 100 },
        forward: { backoffBaseMs: 50, backoffMaxMs: 1_000 },
      },
    });
    groupId = config.kafka.groupId;
    bridge = await startBridge(config, testLogger(process.env.AIOPS_TEST_LOG ?? 'silent'));
    await produceLines(topic, gen, 0, LINES / 2, 100);
    await waitFor('points flowing to the engine', async () => sim.report().distinctPoints > 2_000, 30_000, 50);
    await redis.kill();
    await produceLines(topic, gen, LINES / 2, LINES, 100);
    const admin = kafka.admin();
    await admin.connect();
    const until = Date.now() + DOWN_MS;
    while (Date.now() < until) {
      pausedWhileDown ||= bridge.kafka?.isPaused === true;
      await sleep(200);
    }
    lagWhileDown = await committedLag(admin, topic, groupId);
    await admin.disconnect();
    await redis.start();
  }, 120_000);
  afterAll(async () => {
    await bridge?.stop().catch(() => undefined);
    await sim?.close();
    await redis?.close();
  });

  it('pauses the consumer and commits nothing new while Redis is down', () => {
    expect(pausedWhileDown).toBe(true);
    expect(lagWhileDown).toBeGreaterThan(0);
  });

  it('loses no point: every allowlisted point reaches the engine after the restart', async () => {
    await waitFor(`${expected.size} distinct points at the engine`, async () => sim.report().distinctPoints >= expected.size, RECOVERY_MS, 250).catch(async (err: unknown) => {
      // Say where it stuck: what the engine has, and the bridge's view (paused? backlog?).
      const status = JSON.stringify(await bridgeStatusOf(bridge.httpPort));
      throw new Error(`${(err as Error).message}; the engine has ${sim.report().distinctPoints}; bridge status ${status}`);
    });
    const got = Object.keys(sim.points());
    expect(got.filter((k) => !expected.has(k))).toEqual([]);
    expect(got.length).toBe(expected.size);
    await waitCommittedToEnd(topic, groupId, 10_000, 'every message committed');
  }, RECOVERY_MS + 20_000);
});
