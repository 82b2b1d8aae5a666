import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { MetricPoint } from '../../../src/domain/metric.js';
import { type Sim, engineErrorOf, engineFor, memoryLogger, startSim } from './support.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const SERIES = 12;

describe('数智慧 adapter: alarm and rule lists over several pages', () => {
  let sim: Sim;
  let engine: ReturnType<typeof engineFor>;
  const log = memoryLogger();

  beforeAll(async () => {
    sim = await startSim({ evaluateEveryMs: 100 });
    engine = engineFor(sim.url, { pageSize: 5 }, log);
    await engine.createRule({
      name: 'paging > 50',
      metric: 'paging.value',
      tagFilter: {},
      algorithm: { kind: 'threshold', operator: '>', value: 50, durationSeconds: 0 },
      level: 'critical',
      enabled: true,
    });
    // 12 breaching series → 12 firing alarms → 3 pages of 5.
    const breach: MetricPoint[] = Array.from({ length: SERIES }, (_, i) => ({ name: 'paging.value', tags: { host: `p-${i}` }, ts: Date.now(), value: 99 }));
    await engine.pushMetrics(breach, 'paging-breach');
    for (let i = 0; i < 50 && (await engine.listCurrentAlarms()).alarms.length < SERIES; i++) await sleep(100);
  });
  afterAll(async () => {
    await engine.close();
    await sim.close();
  });
  afterEach(async () => {
    await sim.clearFaults();
  });

  describe('when every page answers', () => {
    it('returns every alarm once, complete', async () => {
      const { alarms, complete } = await engine.listCurrentAlarms();
      expect(complete).toBe(true);
      expect(alarms).toHaveLength(SERIES);
      expect(new Set(alarms.map((a) => a.alarmId)).size).toBe(SERIES);
      expect(new Set(alarms.map((a) => a.tags['host']))).toEqual(new Set(Array.from({ length: SERIES }, (_, i) => `p-${i}`)));
    });
  });

  describe('when a later page fails', () => {
    it('returns what it read, marked incomplete, and logs why', async () => {
      await sim.faults({ failPage: 2 });
      const { alarms, complete } = await engine.listCurrentAlarms();
      expect(complete).toBe(false);
      expect(alarms).toHaveLength(5);
      expect(log.lines.some((l) => l.startsWith('warn alarm list incomplete') && l.includes('page 2 failed'))).toBe(true);
    });

    it('does the same for the history', async () => {
      await sim.faults({ failPage: 3 });
      const { alarms, complete } = await engine.listAlarmHistory({ startMs: Date.now() - 3_600_000, endMs: Date.now() + 60_000 });
      expect(complete).toBe(false);
      expect(alarms).toHaveLength(10);
    });
  });

  describe('when the first page fails', () => {
    it('fails the call (there is nothing to return) with a retryable error', async () => {
      await sim.faults({ failPage: 1 });
      expect(await engineErrorOf(engine.listCurrentAlarms())).toMatchObject({ kind: 'server', retryable: true });
    });
  });

  describe('when rules span several pages', () => {
    it('lists every rule, and fails rather than return a partial list when a page fails', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 6; i++) {
        ids.push((await engine.createRule({ name: `r${i}`, metric: 'rules.value', tagFilter: { i: String(i) }, algorithm: { kind: 'forecast', horizonSeconds: 600, operator: '>', value: i }, level: 'minor', enabled: true })).engineRuleId);
      }
      const rules = await engine.listRules();
      expect(rules.length).toBe(7);
      expect(ids.every((id) => rules.some((r) => r.engineRuleId === id))).toBe(true);
      await sim.faults({ failPage: 2 });
      expect(await engineErrorOf(engine.listRules())).toMatchObject({ kind: 'server', retryable: true });
    });
  });
});
