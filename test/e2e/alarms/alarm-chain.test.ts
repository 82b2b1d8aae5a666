import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alarmLog, alertmanagerAlerts, engineFor, hosts, pushValues, startAlarmChain, type AlarmChain } from '../../support/alarm-chain.js';
import { waitFor } from '../../support/bridge-harness.js';
import { redisForTest } from '../../support/redis-test.js';
import { uniqueSuffix } from '../../support/services.js';
import { outOfOrder, type SignedReceiver } from '../../support/signed-receiver.js';
import type { RunningSimulator } from '../../simulator/index.js';

/**
 * Flow 2 end to end with real parts: data into the engine simulator fires, updates and recovers alarms; two
 * bridge processes (poll + projections) turn the engine's alarm list into events and deliver them to a webhook
 * receiver that verifies every signature, and to the shared Alertmanager.
 */
const POLL_MS = 1_000;
const HOSTS = hosts(6);
const metric = `e2e_${uniqueSuffix()}.cpu`;
const { redis, prefix, cleanup } = redisForTest('e2e-chain');
let chain: AlarmChain;
let sim: RunningSimulator;
let receiver: SignedReceiver;
let falseResolves: string[] = [];

beforeAll(async () => {
  chain = await startAlarmChain({ metric, keyPrefix: prefix, replicas: 2, pollIntervalMs: POLL_MS, alertmanager: true });
  ({ sim, receiver, falseResolves } = chain);
});

afterAll(async () => {
  await chain?.stop();
  await cleanup();
});

const count = (kind: string): number => receiver.accepted.filter((e) => e.kind === kind).length;
const firingInAlertmanager = async (): Promise<number> =>
  (await alertmanagerAlerts(metric)).filter((a) => a.status.state === 'active').length;

describe('when the engine fires, updates and recovers alarms from the data it receives', () => {
  it('delivers raised → updated → resolved per alarm, each event once, every signature valid, never resolving a firing alarm', async () => {
    const engine = engineFor(sim.url);
    await pushValues(engine, metric, new Map(HOSTS.map((h) => [h, 95])));
    await waitFor('6 raised at the receiver', async () => count('raised') === HOSTS.length, 30_000);
    await waitFor('6 firing alerts in Alertmanager', async () => (await firingInAlertmanager()) === HOSTS.length, 20_000);

    await pushValues(engine, metric, new Map(HOSTS.map((h) => [h, 97])));
    await waitFor('6 updated', async () => count('updated') === HOSTS.length, 20_000);

    // Half recover; the other half keep firing through several polls and must not be resolved.
    const [recovering, still] = [HOSTS.slice(0, 3), HOSTS.slice(3)];
    await pushValues(engine, metric, new Map(recovering.map((h) => [h, 50])));
    await waitFor('3 resolved', async () => count('resolved') === 3, 20_000);
    await waitFor('3 alerts left in Alertmanager', async () => (await firingInAlertmanager()) === 3, 20_000);
    await new Promise((r) => setTimeout(r, 5 * POLL_MS));
    expect(count('resolved')).toBe(3);
    expect(await firingInAlertmanager()).toBe(3);
    expect(sim.alarms().current.filter((a) => a.metric === metric)).toHaveLength(3);

    await pushValues(engine, metric, new Map(still.map((h) => [h, 50])));
    await waitFor('6 resolved', async () => count('resolved') === HOSTS.length, 20_000);
    await waitFor('no alert left in Alertmanager', async () => (await firingInAlertmanager()) === 0, 20_000);

    const byAlarm = receiver.byAlarm();
    expect(byAlarm.size).toBe(HOSTS.length);
    for (const events of byAlarm.values()) expect(events.map((e) => e.kind)).toEqual(['raised', 'updated', 'resolved']);
    expect(outOfOrder(byAlarm)).toEqual([]);
    expect(receiver.invalid).toEqual([]);
    expect(falseResolves).toEqual([]);
    // The receiver holds exactly the events on the log, each once: nothing lost, nothing invented.
    const log = await alarmLog(redis, prefix);
    expect(receiver.accepted.map((e) => e.id).sort()).toEqual(log.map((e) => e.id).sort());
    // One alarm each for the engine's alarms, and they are the engine's: same engine alarm ids.
    const engineIds = sim.alarms().history.filter((a) => a.metric === metric).map((a) => a.alarmId).sort();
    expect([...byAlarm.values()].map((events) => events[0]?.engineAlarmId).sort()).toEqual(engineIds);
    console.log(JSON.stringify({ e2e: 'alarm-chain', alarms: byAlarm.size, events: receiver.accepted.length, requests: receiver.requests, duplicates: receiver.duplicates }));
  }, 120_000);
});
