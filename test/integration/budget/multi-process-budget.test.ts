import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEngineSimulator, type RunningSimulator } from '../../simulator/index.js';
import { useRedisPrefixes } from '../../support/redis-test.js';
import { services } from '../../support/services.js';
import type { WorkerConfig, WorkerRecord } from './budget-worker.js';
import { runWorkers } from './spawn-workers.js';

// Three OS processes share one budget of 100 calls/s in Redis and spend every grant on one request to the engine
// simulator, which judges the cap where it matters: the most calls that arrived within any sliding 1,000 ms.
const CAP = 100;
const shared = useRedisPrefixes('budget');
let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startEngineSimulator();
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => sim.reset());

const fleet = (configs: Omit<WorkerConfig, 'redisUrl' | 'keyPrefix' | 'engineUrl'>[]): Promise<{ startAt: number; results: WorkerRecord[] }> => {
  const keyPrefix = shared.newPrefix();
  return runWorkers<WorkerRecord>(
    './budget-worker.ts',
    configs.map((c) => ({ ...c, redisUrl: services.redisUrl, keyPrefix, engineUrl: sim.url })),
  );
};
const expectNoSlidingSecondOverCap = (): void => {
  const report = sim.report();
  console.log(`[multi-process-budget] calls ${report.requestsTotal}, max in any sliding 1 s ${report.maxCallsInAnySlidingSecond}`);
  expect(report.maxCallsInAnySlidingSecond).toBeLessThanOrEqual(CAP);
};
const countIn = (grants: number[], from: number, to: number): number => grants.filter((t) => t >= from && t < to).length;

describe('three processes saturating one budget', () => {
  it('never let the engine see more than the cap in any sliding second, and together get close to the cap', async () => {
    const durationMs = 5000;
    const saturate = { cls: 'bulk' as const, concurrency: 3, reportOk: false };
    const { results } = await fleet([0, 1, 2].map(() => ({ policy: {}, durationMs, saturate })));
    const grants = results.flatMap((r) => r.grants);
    expectNoSlidingSecondOverCap();
    // Bulk is paced at 1020 ms / 100, and each slot is held 1000 ms + its grant → answer time, so the most the
    // fleet can get is CAP per max(1020 ms, 1000 ms + mean answer time): ≈ 490 on an idle machine. The answer time
    // is the simulator's (and the machine's), not the budget's, so the floor follows it. The floor is 80 % of that:
    // on a slow CI machine (fsync on every Redis write, busy cores) a fresh clone once got 413 of 490 with fast
    // answers, and utilisation is the soft half of this test; the cap above is the hard half.
    const answers = results.flatMap((r) => r.answerMs);
    const meanAnswerMs = answers.reduce((a, b) => a + b, 0) / Math.max(1, answers.length);
    const reachable = (CAP * durationMs) / Math.max(1020, 1000 + meanAnswerMs);
    console.log(`[multi-process-budget] grants ${grants.length}, mean answer ${meanAnswerMs.toFixed(1)} ms, reachable ≈ ${reachable.toFixed(0)}`);
    expect(sim.report().requestsTotal).toBe(grants.length);
    expect(grants.length).toBeGreaterThanOrEqual(Math.floor(0.8 * reachable));
    expect(grants.length).toBeLessThanOrEqual(CAP * 5);
    for (const r of results) expect(r.grants.length).toBeGreaterThan(0);
  });
});

describe('when bulk saturates the budget', () => {
  it('still serves interactive calls and polls at once', async () => {
    const durationMs = 5000;
    const saturate = { cls: 'bulk' as const, concurrency: 3, reportOk: false };
    const { results } = await fleet([
      { policy: {}, durationMs, saturate },
      { policy: {}, durationMs, saturate },
      { policy: {}, durationMs, periodic: { fromMs: 1000, everyMs: 100 } },
    ]);
    expectNoSlidingSecondOverCap();
    const waits = results[2]!.periodic.map((p) => p.grantedAt - p.askedAt).sort((a, b) => a - b);
    expect(waits.length).toBeGreaterThanOrEqual(30);
    expect(new Set(results[2]!.periodic.map((p) => p.cls))).toEqual(new Set(['interactive', 'poll']));
    expect(waits[Math.floor(waits.length / 2)]).toBeLessThan(50);
    expect(waits.at(-1)).toBeLessThan(300);
    // Bulk keeps draining with what the reserves leave it.
    const bulk = results[0]!.grants.length + results[1]!.grants.length;
    expect(bulk).toBeGreaterThanOrEqual(300);
  });
});

describe('when one process sees a 429 with Retry-After 2 s', () => {
  it('stops every process for 2 s, then resumes at a cut rate that climbs back', async () => {
    const durationMs = 6500;
    const policy = { increasePerSecond: 25 };
    const saturate = { cls: 'bulk' as const, concurrency: 2, reportOk: true };
    const { startAt, results } = await fleet([
      { policy, durationMs, saturate, rateLimitAt: { atMs: 1500, retryAfterMs: 2000 } },
      { policy, durationMs, saturate },
      { policy, durationMs, saturate },
    ]);
    const grants = results.flatMap((r) => r.grants);
    expectNoSlidingSecondOverCap();
    const reported = results[0]!.rateLimitReported!;
    expect(countIn(grants, reported.from - 1000, reported.from)).toBeGreaterThanOrEqual(85);
    // A grant already in flight when the report lands may be recorded a few ms later: 50 ms of slack each side.
    expect(countIn(grants, reported.to + 50, reported.from + 1950)).toBe(0);
    const resumed = reported.to + 2000;
    expect(countIn(grants, reported.from + 1950, resumed + 100)).toBeGreaterThan(0);
    const firstSecond = countIn(grants, resumed, resumed + 1000);
    const lastSecond = countIn(grants, startAt + durationMs - 1000, startAt + durationMs);
    expect(firstSecond).toBeGreaterThanOrEqual(40);
    expect(firstSecond).toBeLessThanOrEqual(80); // halved to 50, +25/s while it runs
    expect(lastSecond).toBeGreaterThan(firstSecond + 10);
  });
});
