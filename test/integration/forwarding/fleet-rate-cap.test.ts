import type { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BullmqForwardQueue, ForwardJobData } from '../../../src/infrastructure/bullmq/forward-queue.js';
import { maxInAnySlidingWindow, startEngineSimulator, type RunningSimulator } from '../../simulator/index.js';
import { waitFor } from '../../support/bridge-harness.js';
import { uniqueSuffix } from '../../support/services.js';
import {
  allArrivals,
  capUtilisation,
  dropKeys,
  enqueueBacklog,
  forwardFleetEnv,
  newForwardQueue,
  rawForwardQueue,
  spawnBridge,
  tightestSpan,
  type BridgeProcess,
} from './forwarding-harness.js';

// Three OS processes run the bridge with the forward role only, on one Redis prefix, against a backlog of many
// small batches: the fleet-wide budget must hold the engine to 100 calls in every sliding second (judged by the
// engine itself, by arrival), and the fleet must actually use that rate.
const CAP = 100;
const JOBS = 1_500;
const POINTS_PER_JOB = 10;
const START_MS = Date.UTC(2026, 1, 1);

describe('three forward processes draining one backlog', () => {
  let sim: RunningSimulator;
  let queue: BullmqForwardQueue;
  let raw: Queue<ForwardJobData>;
  const prefix = `t-${uniqueSuffix()}`;
  const fleet: BridgeProcess[] = [];
  let workersSeen = 0;
  let exitCodes: (number | null)[] = [];

  beforeAll(async () => {
    sim = await startEngineSimulator({ tokenTtlSeconds: 600 });
    queue = newForwardQueue(prefix);
    raw = rawForwardQueue(prefix);
    await enqueueBacklog(queue, JOBS, POINTS_PER_JOB, START_MS);
    const env = forwardFleetEnv(prefix, sim.url, CAP);
    fleet.push(...(await Promise.all([0, 1, 2].map(() => spawnBridge(['serve'], env)))));
    // A process logs "started" before its worker's blocking connection has registered its name: give them time.
    for (const deadline = Date.now() + 10_000; workersSeen < fleet.length && Date.now() < deadline; ) {
      workersSeen = (await raw.getWorkers()).length;
      if (workersSeen < fleet.length) await new Promise((r) => setTimeout(r, 200));
    }
    await waitFor('the backlog drained', async () => sim.report().distinctPoints >= JOBS * POINTS_PER_JOB, 90_000, 500);
    exitCodes = await Promise.all(fleet.map((p) => p.stop()));
  }, 150_000);
  afterAll(async () => {
    await Promise.all(fleet.map((p) => p.stop()));
    await queue?.close();
    await raw?.close();
    await sim?.close();
    await dropKeys(prefix);
  });

  it('delivers every batch exactly once, through three workers that shut down cleanly', async () => {
    const report = sim.report();
    expect(workersSeen).toBe(3);
    expect(report.distinctPoints).toBe(JOBS * POINTS_PER_JOB);
    expect(report.pointsReceived).toBe(JOBS * POINTS_PER_JOB);
    expect(report.batchesAccepted).toBe(JOBS);
    expect(exitCodes).toEqual([0, 0, 0]);
    expect(await queue.backlog()).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 0 });
  });

  it('never lets the engine see more than the cap in any sliding second', () => {
    const report = sim.report();
    const times = allArrivals(sim.arrivals());
    console.log(
      `[fleet-rate-cap] calls ${times.length}, max in any sliding 1 s ${report.maxCallsInAnySlidingSecond}, ` +
        `busiest wall-clock second ${report.maxRequestsPerSecond}, tightest span of ${CAP + 1} calls ` +
        `${tightestSpan(times, CAP).toFixed(1)} ms, utilisation ${(capUtilisation(times, CAP) * 100).toFixed(1)} %`,
    );
    expect(report.maxCallsInAnySlidingSecond).toBeLessThanOrEqual(CAP);
    expect(maxInAnySlidingWindow(times)).toBe(report.maxCallsInAnySlidingSecond);
  });

  // 96 % in a fresh-clone CI run on a quiet machine; 75 % once with four `npm ci` running beside it on 2 cores.
  // The floor is 70 %: low enough for a busy machine, high enough to catch a budget that wastes a third of the cap.
  it('uses the cap: at least 70 % of it from the first call to the last, judged by arrival', () => {
    const times = allArrivals(sim.arrivals());
    expect(times.length).toBeGreaterThanOrEqual(JOBS);
    expect(times.at(-1)! - times[0]!).toBeGreaterThanOrEqual(10_000);
    expect(capUtilisation(times, CAP)).toBeGreaterThanOrEqual(0.7);
  });
});
