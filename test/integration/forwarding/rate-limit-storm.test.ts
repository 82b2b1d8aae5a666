import type { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BullmqForwardQueue, ForwardJobData } from '../../../src/infrastructure/bullmq/forward-queue.js';
import { startBridge, type RunningBridge } from '../../../src/main.js';
import { startEngineSimulator, type RunningSimulator } from '../../simulator/index.js';
import { testConfig, testLogger, waitFor } from '../../support/bridge-harness.js';
import { dropKeys, enqueueBacklog, newForwardQueue, rawForwardQueue, sleep } from './forwarding-harness.js';

// The engine answers every request with 429 and Retry-After: 1 for a few seconds. A 429 says nothing about
// the batch: the fleet must wait as told (the queue and the budget both hold off for the Retry-After), spend no
// attempts (jobs carry only 2 here, so a single spent attempt per 429 would dead-letter them), and deliver
// everything once the storm is over.
const JOBS = 40;
const POINTS_PER_JOB = 10;
const STORM_MS = 5_000;
const RETRY_AFTER_S = 1;

describe('an engine answering 429 to everything for a while', () => {
  let sim: RunningSimulator;
  let bridge: RunningBridge;
  let queue: BullmqForwardQueue;
  let raw: Queue<ForwardJobData>;
  let prefix: string;
  let attemptsDuringStorm = 0;
  let failedDuringStorm = 0;
  let requestsDuringStorm = 0;

  beforeAll(async () => {
    sim = await startEngineSimulator({ tokenTtlSeconds: 600 });
    const config = testConfig({ topic: 'unused', engineUrl: sim.url, allowlistFile: 'unused', overrides: { roles: ['forward', 'api'] } });
    prefix = config.redis.keyPrefix;
    bridge = await startBridge(config, testLogger());
    queue = newForwardQueue(prefix, 2);
    raw = rawForwardQueue(prefix);
    sim.setFaults({ rateLimit: { ratio: 1, retryAfterSeconds: RETRY_AFTER_S } });
    await enqueueBacklog(queue, JOBS, POINTS_PER_JOB, Date.UTC(2026, 3, 1));
    const stormStart = Date.now();
    while (Date.now() - stormStart < STORM_MS) {
      const jobs = await raw.getJobs(['wait', 'prioritized', 'delayed', 'active']);
      attemptsDuringStorm = Math.max(attemptsDuringStorm, ...jobs.map((j) => j.attemptsMade));
      failedDuringStorm = await raw.getFailedCount();
      await sleep(250);
    }
    requestsDuringStorm = sim.report().requestsTotal;
    sim.setFaults({ rateLimit: null });
    await waitFor('every batch at the engine', async () => sim.report().distinctPoints >= JOBS * POINTS_PER_JOB, 20_000);
  });
  afterAll(async () => {
    await bridge?.stop();
    await queue?.close();
    await raw?.close();
    await sim?.close();
    if (prefix) await dropKeys(prefix);
  });

  it('spends no attempts on 429s and dead-letters nothing', async () => {
    expect(sim.report().rejected.rateLimited ?? 0).toBeGreaterThan(0);
    expect(attemptsDuringStorm).toBe(0);
    expect(failedDuringStorm).toBe(0);
    expect(await raw.getFailedCount()).toBe(0);
  });

  it('waits out each Retry-After instead of hammering the engine', () => {
    // One login plus about one try per Retry-After period (a few may be in flight together when a 429 lands).
    const periods = Math.ceil(STORM_MS / (RETRY_AFTER_S * 1000)) + 1;
    expect(requestsDuringStorm).toBeLessThanOrEqual(1 + periods * 3);
  });

  it('delivers every batch once the storm is over', () => {
    const report = sim.report();
    expect(report.distinctPoints).toBe(JOBS * POINTS_PER_JOB);
    expect(report.pointsReceived).toBe(JOBS * POINTS_PER_JOB);
  });
});
