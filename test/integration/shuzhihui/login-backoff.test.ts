import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSystemicRejection } from '../../../src/application/ports/engine-breaker.js';
import { type Sim, engineErrorOf, engineFor, points, startSim } from './support.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('数智慧 adapter: when the engine refuses our credentials', () => {
  let sim: Sim;
  beforeAll(async () => {
    sim = await startSim({ tokenTtlSeconds: 3600 });
  });
  afterAll(async () => sim.close());

  it('backs its logins off exponentially instead of one login per call, and says so in the error', async () => {
    await sim.faults({ refuseLogins: true });
    const engine = engineFor(sim.url, { loginBackoff: { baseMs: 200, maxMs: 10_000 } });
    try {
      const started = Date.now();
      const errors = [];
      // 40 calls over ~1.6 s: logins may go out at 0, 0.2, 0.6, 1.4 s (backoff 200, 400, 800 ms).
      while (Date.now() - started < 1_600) {
        errors.push(await engineErrorOf(engine.pushMetrics(points(1), `refused-${errors.length}`)));
        await sleep(40);
      }
      const report = await sim.report();
      expect(errors.length).toBeGreaterThan(20);
      expect(report.rejected.badCredentials ?? 0).toBeGreaterThanOrEqual(2);
      expect(report.rejected.badCredentials ?? 0).toBeLessThanOrEqual(5);
      expect(errors.every((e) => e.kind === 'auth' && isSystemicRejection(e))).toBe(true);
      expect(errors[0]?.message).toContain('invalid username or password');
      expect(errors.some((e) => /next login in \d+ ms/.test(e.message))).toBe(true);

      // Fixed: the next login after the backoff works, and the backoff starts over.
      await sim.faults({ refuseLogins: false });
      await sleep(3_300); // longer than the backoff can have reached above (≤ 5 refusals: 3.2 s)
      await expect(engine.pushMetrics(points(1), 'fixed-1')).resolves.toEqual({ accepted: 1 });
    } finally {
      await engine.close();
    }
  });
});
