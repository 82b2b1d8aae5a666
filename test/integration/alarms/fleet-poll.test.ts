import { afterAll, describe, expect, it } from 'vitest';
import { startBridge, type RunningBridge } from '../../../src/main.js';
import { testConfig, testLogger, writeAllowlist } from '../../support/bridge-harness.js';
import { redisForTest } from '../../support/redis-test.js';
import { startEngineSimulator, type RunningSimulator } from '../../simulator/index.js';

const CURRENT_PAGE = 'POST /api/v1/alarms/current/page';
const INTERVAL_MS = 2_000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('fleet-wide alarm poll', () => {
  let sim: RunningSimulator | undefined;
  const replicas: RunningBridge[] = [];
  // Only for cleanup: the bridges use their own connections and this random prefix.
  const { prefix, cleanup } = redisForTest('fleet-poll');
  afterAll(async () => {
    for (const b of replicas) await b.stop();
    await sim?.close();
    await cleanup();
  });

  describe('when 3 replicas run the poll role', () => {
    it('polls exactly once per interval, counted at the simulator', async () => {
      sim = await startEngineSimulator({ evaluateEveryMs: 3_600_000 });
      const config = testConfig({
        topic: 'unused',
        engineUrl: sim.url,
        allowlistFile: writeAllowlist([0]),
        overrides: { roles: ['poll'], alarms: { pollIntervalMs: INTERVAL_MS } },
      });
      const fleet = { ...config, redis: { ...config.redis, keyPrefix: prefix } };
      for (let i = 0; i < 3; i++) replicas.push(await startBridge(fleet, testLogger()));
      const startTick = Math.floor(Date.now() / INTERVAL_MS) + 1;
      await sleep(INTERVAL_MS * 7 + 500);
      const endTick = Math.floor(Date.now() / INTERVAL_MS) - 1; // the last whole tick observed

      const perSecond = sim.report().requestsPerSecond[CURRENT_PAGE] ?? {};
      const perTick = new Map<number, number>();
      for (const [sec, n] of Object.entries(perSecond)) {
        const tick = Math.floor((Number(sec) * 1000) / INTERVAL_MS);
        if (tick >= startTick && tick <= endTick) perTick.set(tick, (perTick.get(tick) ?? 0) + n);
      }
      const ticks = endTick - startTick + 1;
      expect(ticks).toBeGreaterThanOrEqual(6);
      // Never two polls in one interval; every interval polled (one miss allowed for a machine stalled > 1.5 s).
      expect(Math.max(...perTick.values())).toBe(1);
      expect([...perTick.values()].reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(ticks - 1);
      const polls = replicas.map((b) => b.metrics.alarmPolls);
      const counts = await Promise.all(polls.map(async (c) => (await c.get()).values.reduce((s, v) => s + v.value, 0)));
      expect(counts.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(ticks);
    });
  });
});
