import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetricBatch } from '../../src/domain/metric.js';
import { listDeadLetters, showDeadLetter } from '../../src/interfaces/cli/dead-letters.js';
import { waitFor } from '../support/bridge-harness.js';
import { backlogPoints, bridgeMetric, forwardOnlyFixture, requestsPerSecond } from '../integration/forwarding/forwarding-harness.js';

// Drill: an engine that validates a batch all-or-nothing (the simulator with `rejectTag`) receives full
// 5000-point batches, one of them holding a single point it refuses. Only that point may become a dead letter;
// every other point reaches the engine, and the bisecting requests stay inside the fleet's rate cap.
const START_MS = Date.UTC(2026, 0, 12);
const PER_JOB = 5000;
const JOBS = 4;
const CAP = 10;

describe('a strict engine refusing a whole batch for one point', () => {
  let fx: Awaited<ReturnType<typeof forwardOnlyFixture>>;
  const poisoned = { job: 2, index: 3217 };

  beforeAll(async () => {
    fx = await forwardOnlyFixture({
      overrides: { engine: { rateLimitPerSecond: CAP }, forward: { backoffBaseMs: 50 } },
      logLevel: process.env.AIOPS_TEST_LOG ?? 'fatal',
    });
    fx.sim.setFaults({ rejectTag: 'poison' });
    const batches: MetricBatch[] = Array.from({ length: JOBS }, (_, j) => {
      const points = backlogPoints(j, PER_JOB, START_MS);
      if (j === poisoned.job) {
        const p = points[poisoned.index]!;
        points[poisoned.index] = { ...p, tags: { ...p.tags, poison: 'yes' } };
      }
      return { id: `strict-${j}`, points };
    });
    await fx.queue.enqueue(batches);
  });
  afterAll(async () => {
    await fx?.close();
  });

  it('delivers every point but the refused one', async () => {
    await waitFor('the good points at the engine', async () => fx.sim.report().distinctPoints >= JOBS * PER_JOB - 1, 45_000);
    const dead = await waitFor('the dead letter', async () => (await listDeadLetters(fx.raw, 10)).items[0], 10_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(fx.sim.report().distinctPoints).toBe(JOBS * PER_JOB - 1);
    expect(Object.keys(fx.sim.points()).filter((k) => k.includes('poison'))).toEqual([]);
    expect(dead).toMatchObject({ id: `strict-${poisoned.job}`, points: 1 });
    expect(dead.failedReason).toContain('ENGINE.REJECTED');
    expect(dead.failedReason).toContain('tags.poison'); // the engine's own message, naming the field
    expect((await listDeadLetters(fx.raw, 10)).total).toBe(1);
    const shown = await showDeadLetter(fx.raw, `strict-${poisoned.job}`);
    expect(shown?.sample).toEqual([expect.objectContaining({ tags: expect.objectContaining({ poison: 'yes', job: String(poisoned.job) }) })]);
    expect(await bridgeMetric(fx.bridge.httpPort ?? 0, 'aiops_forward_points_total')).toBe(JOBS * PER_JOB - 1);
  });

  it('spends few requests isolating it, each inside the fleet cap', async () => {
    const report = fx.sim.report();
    const pushes = Object.values(report.requestsPerSecond['POST /api/v1/metrics/batch'] ?? {}).reduce((a, b) => a + b, 0);
    // JOBS pushes, then ~2·log2(5000) for the split; nothing else.
    expect(pushes).toBeGreaterThan(JOBS);
    expect(pushes).toBeLessThanOrEqual(JOBS + 2 * 13 + 2);
    expect(Math.max(...requestsPerSecond(report).values())).toBeLessThanOrEqual(CAP);
    expect(report.duplicateAcceptedRequestIds).toBe(0);
  });
});
