import type { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ForwardJobData } from '../../../src/infrastructure/bullmq/forward-queue.js';
import { startBridge, type RunningBridge } from '../../../src/main.js';
import { startEngineSimulator, type RunningSimulator } from '../../simulator/index.js';
import { createTopic, produceLines, testConfig, testLogger, waitFor, writeAllowlist } from '../../support/bridge-harness.js';
import { pointKey, pointsOfLine, type GeneratorOptions } from '../../support/telegraf-generator.js';
import { bridgeMetric, bridgeStatus, dropKeys, rawForwardQueue, sleep } from './forwarding-harness.js';

// An engine outage seen by one running bridge (ingest + forward + api): the fleet-shared breaker opens, the
// forward workers stop taking jobs (no attempts burnt, no hammering), Kafka consumption pauses, and once the
// engine is back everything drains with nothing lost.
const gen: GeneratorOptions = { measurements: 10, fieldsPer: 1, hosts: 10, startMs: Date.UTC(2026, 0, 20) };
const ALLOWED = [0, 1, 2, 3, 4];
const BEFORE = 2_000;
const DURING = 3_000;
const OUTAGE_MS = 12_000;
const RESET_MS = 2_000;
const ATTEMPTS = 8;

const expectedKeys = (to: number): Set<string> => {
  const keys = new Set<string>();
  for (let i = 0; i < to; i++) for (const p of pointsOfLine(i, gen)) if (ALLOWED.includes(i % gen.measurements)) keys.add(pointKey(p));
  return keys;
};

describe('a bridge whose engine goes down for a while', () => {
  let sim: RunningSimulator;
  let bridge: RunningBridge;
  let raw: Queue<ForwardJobData>;
  let prefix: string;
  let port: number;
  let topic: string;
  // What the outage looked like from the bridge, sampled while it lasted.
  const seen = { maxAttemptsMade: 0, deadDuringOutage: 0, outageRequestsAtOpen: 0, outageRequestsAtEnd: 0, backlogWhileOpen: 0 };

  beforeAll(async () => {
    sim = await startEngineSimulator({ tokenTtlSeconds: 600 });
    topic = await createTopic(3);
    const config = testConfig({
      topic,
      engineUrl: sim.url,
      allowlistFile: writeAllowlist(ALLOWED),
      overrides: {
        // Small batches so the outage catches many jobs; a high water mark far away, so the pause seen below
        // is the breaker's doing, not the backlog's.
        batch: { maxPoints: 20, maxLingerMs: 100 },
        forward: { attempts: ATTEMPTS, backoffBaseMs: 200, backoffMaxMs: 2_000, highWater: 100_000, lowWater: 50_000 },
        breaker: { resetTimeoutMs: RESET_MS, volumeThreshold: 5, rollingCountTimeoutMs: 5_000 },
      },
    });
    prefix = config.redis.keyPrefix;
    bridge = await startBridge(config, testLogger(process.env.AIOPS_TEST_LOG ?? 'error'));
    port = bridge.httpPort ?? 0;
    raw = rawForwardQueue(prefix);
  });
  /** Attempts spent so far by every job not yet finished. */
  const attemptsSpent = async (): Promise<number> =>
    (await raw.getJobs(['wait', 'prioritized', 'delayed', 'active'])).reduce((sum, j) => sum + j.attemptsMade, 0);

  afterAll(async () => {
    await bridge?.stop();
    await raw?.close();
    await sim?.close();
    if (prefix) await dropKeys(prefix);
  });

  it('forwards normally before the outage', async () => {
    await produceLines(topic, gen, 0, BEFORE, 10);
    await waitFor('the first points at the engine', async () => sim.report().distinctPoints >= expectedKeys(BEFORE).size, 30_000);
    expect((await bridgeStatus(port)).breaker).toBe('closed');
  });

  it('opens the shared breaker and pauses ingest when the engine goes down', async () => {
    sim.setFaults({ outage: true, outageMode: 'mixed' });
    const outageStart = Date.now();
    await produceLines(topic, gen, BEFORE, BEFORE + DURING, 10);
    await waitFor('the breaker open', async () => (await bridgeStatus(port)).breaker === 'open', 20_000, 100);
    expect(await bridgeMetric(port, 'aiops_engine_breaker_state')).toBe(2);
    const paused = await waitFor('ingest paused', async () => (await bridgeStatus(port)).ingestPaused === true, 5_000, 100);
    expect(paused).toBe(true);
    expect(await bridgeMetric(port, 'aiops_ingest_paused')).toBe(1);

    // Hold the outage, watching the queue: jobs wait rather than fail. A job that was in flight at the trip
    // settles within one engine call, so the baseline is taken a moment after the breaker opened.
    await sleep(500);
    const attemptsAtOpen = await attemptsSpent();
    seen.outageRequestsAtOpen = sim.report().rejected.outage ?? 0;
    while (Date.now() - outageStart < OUTAGE_MS) {
      const jobs = await raw.getJobs(['wait', 'prioritized', 'delayed', 'active']);
      for (const j of jobs) seen.maxAttemptsMade = Math.max(seen.maxAttemptsMade, j.attemptsMade);
      seen.backlogWhileOpen = Math.max(seen.backlogWhileOpen, jobs.length);
      seen.deadDuringOutage = await raw.getFailedCount();
      await sleep(500);
    }
    const attemptsBurntWhileOpen = (await attemptsSpent()) - attemptsAtOpen;
    seen.outageRequestsAtEnd = sim.report().rejected.outage ?? 0;
    sim.setFaults({ outage: false });

    expect(seen.backlogWhileOpen).toBeGreaterThan(0);
    expect(seen.deadDuringOutage).toBe(0);
    expect(seen.maxAttemptsMade).toBeLessThan(ATTEMPTS - 2);
    // While open, only half-open probes reach the engine, one per reset period across the fleet; jobs refused
    // by the open circuit go back to wait unspent (one spare for a probe straddling the end of the window).
    const probesAllowed = Math.ceil(OUTAGE_MS / RESET_MS) + 1;
    expect(seen.outageRequestsAtEnd - seen.outageRequestsAtOpen).toBeLessThanOrEqual(probesAllowed);
    expect(attemptsBurntWhileOpen).toBeLessThanOrEqual(probesAllowed);
  });

  it('closes again after the outage and drains everything, resuming ingest', async () => {
    const expected = expectedKeys(BEFORE + DURING);
    await waitFor('every point at the engine', async () => sim.report().distinctPoints >= expected.size, 60_000);
    const received = Object.keys(sim.points());
    expect(received.filter((k) => !expected.has(k))).toEqual([]);
    expect(received.length).toBe(expected.size);
    await waitFor('the breaker closed', async () => (await bridgeStatus(port)).breaker === 'closed', 10_000, 100);
    expect(await bridgeMetric(port, 'aiops_engine_breaker_state')).toBe(0);
    await waitFor('ingest resumed', async () => (await bridgeStatus(port)).ingestPaused === false, 10_000, 100);
    const backlog = (await bridgeStatus(port)).forwardBacklog;
    expect(backlog).toMatchObject({ failed: 0 });
  });
});
