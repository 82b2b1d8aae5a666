import { Queue } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import { FORWARD_QUEUE } from '../../../src/infrastructure/bullmq/forward-queue.js';
import { startBridge, type RunningBridge } from '../../../src/main.js';
import { startEngineSimulator, type RunningSimulator } from '../../simulator/index.js';
import { committedLag, createTopic, kafka, produceLines, testConfig, testLogger, waitFor } from '../../support/bridge-harness.js';
import { services } from '../../support/services.js';
import { allowlistText, expectedKeys, gen, http, nacosBridgeConfig, nacosWriter, newDataId, removeRedisKeys, scratchDir } from './ingest-fixtures.js';

/**
 * With nobody forwarding, ingest stops at the high-water mark and leaves the rest in Kafka (lag, not memory,
 * not Redis); once a forwarder drains the queue, ingest resumes and every allowlisted point reaches the engine.
 */
const LINES = 200_000;
const LINES_PER_MESSAGE = 100;
const ALLOWED = [0, 1, 2, 3, 4]; // 5 of 10 measurements: 50% of the lines, one point each
const MAX_POINTS = 500;
const HIGH_WATER = 20;
const LOW_WATER = 10;
const POINTS_PER_MESSAGE = (LINES_PER_MESSAGE * ALLOWED.length) / 10;
/**
 * The consumer asks the gate before every message, and the gate counts each enqueue as it happens; so the last
 * message taken found at most HIGH_WATER - 1 batches, and the flush it caused hands over the open batch
 * (< MAX_POINTS points) plus its own points. A linger flush hands over a single batch, which is no more.
 */
const BOUND = HIGH_WATER - 1 + Math.ceil((MAX_POINTS - 1 + POINTS_PER_MESSAGE) / MAX_POINTS);

const scratch = scratchDir();
const prefixes: string[] = [];
const bridges: RunningBridge[] = [];
let sim: RunningSimulator | undefined;
let queue: Queue | undefined;
afterAll(async () => {
  for (const b of bridges) await b.stop();
  await queue?.close();
  await sim?.close();
  scratch.remove();
  await removeRedisKeys(prefixes);
});

describe('backpressure from the forward queue to Kafka', () => {
  it('holds the queue at the high-water mark while nothing forwards, then delivers everything once a forwarder runs', async () => {
    expect(BOUND).toBe(21);
    sim = await startEngineSimulator({ tokenTtlSeconds: 600 });
    const g = gen(Date.UTC(2026, 10, 25, 5, 0, 0));
    const topic = await createTopic(3);
    await produceLines(topic, g, 0, LINES, LINES_PER_MESSAGE);
    const dataId = newDataId();
    const writer = nacosWriter(dataId);
    await writer.publish(allowlistText(ALLOWED));
    writer.close();
    const config = nacosBridgeConfig({
      topic, engineUrl: sim.url, dataId, snapshotPath: `${scratch.dir}/${dataId}`,
      overrides: { roles: ['ingest', 'api'], batch: { maxPoints: MAX_POINTS, maxLingerMs: 200 }, forward: { highWater: HIGH_WATER, lowWater: LOW_WATER } },
    });
    prefixes.push(config.redis.keyPrefix);
    queue = new Queue(FORWARD_QUEUE, { connection: { url: services.redisUrl }, prefix: config.redis.keyPrefix });
    const waiting = async (): Promise<number> => {
      const c = await queue!.getJobCounts('waiting', 'prioritized', 'delayed', 'active');
      return (c.waiting ?? 0) + (c.prioritized ?? 0) + (c.delayed ?? 0) + (c.active ?? 0);
    };
    const admin = kafka.admin();
    await admin.connect();

    const ingest = await startBridge(config, testLogger());
    bridges.push(ingest);
    const paused = async () => ((JSON.parse((await http(ingest, '/api/v1/status')).text) as { ingestPaused: boolean }).ingestPaused ? true : undefined);
    await waitFor('ingest paused by backpressure', paused, 30_000, 50);

    // A flush that closed the gate may still be committing: let it land, then hold. The hold lasts at least 6 s
    // and until the lag gauge (refreshed every 5 s) has caught up; all along the queue stays within the bound.
    let peak = await waiting();
    await new Promise((r) => setTimeout(r, 1_000));
    const lagAtPause = await committedLag(admin, topic, config.kafka.groupId);
    let gauge: number | undefined;
    const holdFrom = Date.now();
    while (Date.now() - holdFrom < 6_000 || (gauge !== lagAtPause && Date.now() - holdFrom < 15_000)) {
      peak = Math.max(peak, await waiting());
      const metrics = (await http(ingest, '/metrics')).text;
      const lags = metrics.split('\n').filter((l) => l.startsWith(`aiops_kafka_consumer_lag{topic="${topic}"`));
      if (lags.length === 3) gauge = lags.reduce((n, l) => n + Number(l.split(' ')[1]), 0);
      await new Promise((r) => setTimeout(r, 50));
    }
    const lagAfterHold = await committedLag(admin, topic, config.kafka.groupId);
    expect(peak).toBeGreaterThanOrEqual(HIGH_WATER);
    expect(peak).toBeLessThanOrEqual(BOUND);
    expect(await paused()).toBe(true);
    // Of 2,000 messages, only the ~HIGH_WATER batches' worth (about 200) were taken; the rest waits in Kafka.
    expect(lagAtPause).toBeGreaterThan(LINES / LINES_PER_MESSAGE - (BOUND * MAX_POINTS) / POINTS_PER_MESSAGE - 10);
    expect(lagAfterHold).toBe(lagAtPause);
    expect(gauge).toBe(lagAfterHold);

    // A forwarder drains the queue; ingest resumes at the low-water mark, pauses again, ... until the end.
    const forwarder = await startBridge(testConfig({ topic, engineUrl: sim.url, allowlistFile: 'unused', overrides: { roles: ['forward'], redis: config.redis } }), testLogger());
    bridges.push(forwarder);
    const expected = expectedKeys(g, 0, LINES, ALLOWED);
    expect(expected.size).toBe(LINES / 2);
    await waitFor('every allowlisted point at the engine', async () => sim!.report().distinctPoints >= expected.size, 90_000, 200);
    await waitFor('everything committed', async () => (await committedLag(admin, topic, config.kafka.groupId)) === 0, 10_000, 100);
    await admin.disconnect();
    await waitFor('queue empty', async () => (await waiting()) === 0, 10_000, 100);
    const received = Object.keys(sim.points());
    expect(received.filter((k) => !expected.has(k))).toEqual([]);
    expect(received.length).toBe(expected.size);
    expect(sim.report().rejected).toEqual({});
  });
});
