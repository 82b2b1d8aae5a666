import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { pollAlarms } from '../../../src/application/alarms/poll-alarms.js';
import type { EngineRequestHooks } from '../../../src/application/ports/engine-budget.js';
import type { RecordedEvent } from '../../../src/application/ports/event-store.js';
import type { MetricPoint } from '../../../src/domain/metric.js';
import { ALARM_CATEGORY, type AlarmEvent } from '../../../src/domain/alarms/alarm-events.js';
import { createShuzhihuiEngine } from '../../../src/infrastructure/engines/shuzhihui/index.js';
import { RedisEngineRuleLinks } from '../../../src/infrastructure/redis/redis-engine-rule-links.js';
import { RedisEventStore } from '../../../src/infrastructure/redis/redis-event-store.js';
import { RedisKnownAlarmIndex } from '../../../src/infrastructure/redis/redis-known-alarm-index.js';
import { startEngineSimulator, type RunningSimulator } from '../../simulator/index.js';

export const RULE_METRIC = 'alarmpoll.value';
export const OUR_RULE_ID = 'rule-alarmpoll';
const auth = { mode: 'bearer' as const, username: 'admin', password: 'admin123' };

/** The simulator with a threshold rule (> 50, no duration) and two engine clients: one to push data, one polled. */
export async function startAlarmWorld(redis: Redis, prefix: string, opts: { pageSize?: number; hooks?: EngineRequestHooks } = {}) {
  // Detection runs only when the test says so (evaluateNow), so the alarm list moves only when the test moves it.
  const sim: RunningSimulator = await startEngineSimulator({ evaluateEveryMs: 3_600_000 });
  const feeder = createShuzhihuiEngine({ baseUrl: sim.url, auth, timeouts: { requestMs: 5_000 } });
  const engine = createShuzhihuiEngine({ baseUrl: sim.url, auth, timeouts: { requestMs: 5_000 }, pageSize: opts.pageSize ?? 5 }, undefined, opts.hooks);
  // Linked as the rule reconciler links our rules: the poll names our rule in the alarms.
  const ruleLinks = new RedisEngineRuleLinks(redis, prefix);
  const { engineRuleId } = await feeder.createRule({
    name: 'value > 50',
    metric: RULE_METRIC,
    tagFilter: {},
    algorithm: { kind: 'threshold', operator: '>', value: 50, durationSeconds: 0 },
    level: 'major',
    enabled: true,
  });
  await ruleLinks.set(OUR_RULE_ID, engineRuleId);
  const store = new RedisEventStore(redis, { keyPrefix: prefix });
  const index = new RedisKnownAlarmIndex(redis, { keyPrefix: prefix });
  let ts = Date.now();
  /** One point per host (value each), then detection: alarms fire, update or recover from the data. */
  const send = async (values: Record<string, number>): Promise<void> => {
    ts = Math.max(ts + 1, Date.now());
    const points: MetricPoint[] = Object.entries(values).map(([host, value]) => ({ name: RULE_METRIC, tags: { host }, ts, value }));
    await feeder.pushMetrics(points, randomUUID());
    sim.evaluateNow();
  };
  const poll = () =>
    pollAlarms({ engine, store, index, ruleLinks, clock: () => new Date(), newId: randomUUID, absentLimit: 3, historyOverlapMs: 60_000, maxHistoryWindowMs: 3_600_000 });
  const events = async (): Promise<RecordedEvent<AlarmEvent>[]> => store.readCategory<AlarmEvent>(ALARM_CATEGORY, { after: null, maxCount: 100_000 });
  /** Stream name → event types in stream order. */
  const lifecycles = async (): Promise<Map<string, string[]>> => {
    const out = new Map<string, string[]>();
    for (const e of await events()) out.set(e.streamName, [...(out.get(e.streamName) ?? []), e.type]);
    return out;
  };
  const firingHosts = (): Set<string> => new Set(sim.alarms().current.map((a) => a.tags['host'] as string));
  const close = async (): Promise<void> => {
    await engine.close();
    await feeder.close();
    await sim.close();
  };
  return { sim, engine, store, index, send, poll, events, lifecycles, firingHosts, close };
}
