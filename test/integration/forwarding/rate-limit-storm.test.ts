import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../../simulator/index.js';
import { waitFor } from '../../support/bridge-harness.js';
import { enqueueBacklog, forwardOnlyFixture, sleep } from './forwarding-harness.js';

// The engine answers every request with 429 and Retry-After: 1 for a few seconds. A 429 says nothing about
// the batch: the fleet must wait as told (the queue and the budget both hold off for the Retry-After), spend no
// attempts (jobs carry only 2 here, so a single spent attempt per 429 would dead-letter them), and deliver
// everything once the storm is over.
const JOBS = 40;
const POINTS_PER_JOB = 10;
const STORM_MS = 5_000;
const RETRY_AFTER_S = 1;

describe('an engine answering 429 to everything for a while', () => {
  let fx: Awaited<ReturnType<typeof forwardOnlyFixture>>;
  let sim: RunningSimulator;
  let attemptsDuringStorm = 0;
  let failedDuringStorm = 0;
  let requestsDuringStorm = 0;

  beforeAll(async () => {
    fx = await forwardOnlyFixture({ attempts: 2 });
    sim = fx.sim;
    const { queue, raw } = fx;
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
    await fx?.close();
  });

  it('spends no attempts on 429s and dead-letters nothing', async () => {
    expect(sim.report().rejected.rateLimited ?? 0).toBeGreaterThan(0);
    expect(attemptsDuringStorm).toBe(0);
    expect(failedDuringStorm).toBe(0);
    expect(await fx.raw.getFailedCount()).toBe(0);
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
