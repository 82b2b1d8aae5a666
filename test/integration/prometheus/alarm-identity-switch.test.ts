import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollAlarms } from '../../../src/application/alarms/poll-alarms.js';
import type { AnalysisEngine } from '../../../src/application/ports/analysis-engine.js';
import { ALARM_CATEGORY, type AlarmEvent } from '../../../src/domain/alarms/alarm-events.js';
import type { DetectionRuleSpec } from '../../../src/domain/detection-rule.js';
import { PrometheusEngine } from '../../../src/infrastructure/engines/prometheus/index.js';
import { createShuzhihuiEngine } from '../../../src/infrastructure/engines/shuzhihui/index.js';
import { RedisEngineRuleLinks } from '../../../src/infrastructure/redis/redis-engine-rule-links.js';
import { RedisEventStore } from '../../../src/infrastructure/redis/redis-event-store.js';
import { RedisKnownAlarmIndex } from '../../../src/infrastructure/redis/redis-known-alarm-index.js';
import { prometheusRulesDir } from '../../support/prometheus.js';
import { redisForTest } from '../../support/redis-test.js';
import { services, uniqueSuffix } from '../../support/services.js';
import { startEngineSimulator, type RunningSimulator } from '../../simulator/index.js';

/**
 * The poll use case on real parts across an engine switch: one of our rules held by the 数智慧 simulator (engine A)
 * and by Prometheus (engine B), each with its own rule links as `engine migrate` leaves them; the event store and
 * the known-alarm index in Redis are the fleet's, kept across the switch.
 */
describe('an alarm raised from engine A, when the poll switches to engine B firing the same rule on the same series', () => {
  const { redis, prefix, cleanup } = redisForTest('identity-switch');
  const store = new RedisEventStore(redis, { keyPrefix: `${prefix}:` });
  const index = new RedisKnownAlarmIndex(redis, { keyPrefix: `${prefix}:` });
  const ruleSet = `switch-${uniqueSuffix()}`;
  const ourRuleId = randomUUID();
  const metric = `switch_${uniqueSuffix()}.value`;
  const tags = { host: 'web-1' };
  let sim: RunningSimulator;
  let a: AnalysisEngine & { close(): void };
  let b: PrometheusEngine;
  let rulesDir = '';
  const links = { a: new RedisEngineRuleLinks(redis, prefix), b: new RedisEngineRuleLinks(redis, `${prefix}:prometheus:${ruleSet}`) };

  beforeAll(async () => {
    sim = await startEngineSimulator({ evaluateEveryMs: 3_600_000 });
    a = createShuzhihuiEngine({ baseUrl: sim.url, auth: { mode: 'bearer', username: 'admin', password: 'admin123' }, timeouts: { requestMs: 5_000 } });
    rulesDir = await prometheusRulesDir(services.prometheusUrl);
    b = new PrometheusEngine({ url: services.prometheusUrl, rulesDir, ruleSet });
    const spec: DetectionRuleSpec = { name: 'value > 50', metric, tagFilter: {}, algorithm: { kind: 'threshold', operator: '>', value: 50, durationSeconds: 0 }, level: 'major', enabled: true };
    await links.a.set(ourRuleId, (await a.createRule(spec)).engineRuleId);
    await links.b.set(ourRuleId, (await b.createRule(spec)).engineRuleId);
  });
  afterAll(async () => {
    a.close();
    await sim.close();
    await rm(join(rulesDir, `${ruleSet}.yml`), { force: true });
    await rm(join(rulesDir, `${ruleSet}.rules.json`), { force: true });
    await fetch(`${services.prometheusUrl}/-/reload`, { method: 'POST' });
    await cleanup();
  });

  const poll = (engine: AnalysisEngine, ruleLinks: RedisEngineRuleLinks) =>
    pollAlarms({ engine, store, index, ruleLinks, clock: () => new Date(), newId: randomUUID, absentLimit: 3, historyOverlapMs: 60_000, maxHistoryWindowMs: 3_600_000 });
  const log = async () => (await store.readCategory<AlarmEvent>(ALARM_CATEGORY, { after: null, maxCount: 100 })).map((e) => ({ type: e.type, stream: e.streamName, alarm: e.data.alarm }));
  /** Pushes `value` into Prometheus until its current alarms say `done` (it evaluates every few seconds). */
  const onB = async (value: number, done: (firing: number) => boolean): Promise<void> => {
    for (let i = 0; i < 120; i++) {
      await b.pushMetrics([{ name: metric, tags, ts: Date.now(), value }], randomUUID());
      if (done((await b.listCurrentAlarms()).alarms.length)) return;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`Prometheus did not change after pushing ${value} for 30 s`);
  };

  it('keeps the alarm id, with no resolve and no second raise, and resolves it under that id at recovery', async () => {
    await a.pushMetrics([{ name: metric, tags, ts: Date.now(), value: 99 }], randomUUID());
    sim.evaluateNow();
    expect(await poll(a, links.a)).toMatchObject({ ok: true, raised: 1 });
    const [raised] = await log();
    expect(raised?.alarm).toMatchObject({ ruleId: ourRuleId, metric, tags, status: 'firing' });

    await onB(99, (n) => n === 1);
    for (let i = 0; i < 4; i++) expect(await poll(b, links.b)).toMatchObject({ ok: true, raised: 0, resolved: 0, firing: 1 });
    const afterSwitch = await log();
    expect(afterSwitch.map((e) => e.type).filter((t) => t !== 'AlarmUpdated')).toEqual(['AlarmRaised']);
    expect(new Set(afterSwitch.map((e) => e.stream))).toEqual(new Set([raised?.stream]));
    expect([...(await index.load()).known.keys()]).toEqual([raised?.alarm.id]);

    await onB(1, (n) => n === 0);
    for (let i = 0; i < 3; i++) await poll(b, links.b);
    const end = await log();
    expect(end.at(-1)).toMatchObject({ type: 'AlarmResolved', stream: raised?.stream, alarm: { startsAt: raised?.alarm.startsAt, status: 'resolved' } });
    expect(end.filter((e) => e.type === 'AlarmRaised')).toHaveLength(1);
  });
});
