import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alarmLog, engineFor, hosts, pushValues, startAlarmChain, type AlarmChain } from '../../support/alarm-chain.js';
import { waitFor } from '../../support/bridge-harness.js';
import { redisForTest } from '../../support/redis-test.js';
import { uniqueSuffix } from '../../support/services.js';
import { outOfOrder, type SignedReceiver } from '../../support/signed-receiver.js';
import type { RunningSimulator } from '../../simulator/index.js';

/**
 * The alarm platform down while alarms fire, change and recover. Issue 10 asks for 2 minutes; CI runs 20 s
 * (the same code path: the delivery retries with backoff while events wait on the log), and
 * `AIOPS_LONG_DRILLS=1` runs the full 2 minutes.
 */
const LONG = process.env.AIOPS_LONG_DRILLS === '1';
const OUTAGE_MS = LONG ? 120_000 : 20_000;
const POLL_MS = 1_000;
const HOSTS = hosts(10);
const metric = `e2e_${uniqueSuffix()}.cpu`;
const { redis, prefix, cleanup } = redisForTest('e2e-outage');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
let chain: AlarmChain;
let sim: RunningSimulator;
let receiver: SignedReceiver;

beforeAll(async () => {
  chain = await startAlarmChain({ metric, keyPrefix: prefix, replicas: 2, pollIntervalMs: POLL_MS });
  ({ sim, receiver } = chain);
});

afterAll(async () => {
  await chain?.stop();
  await cleanup();
});

describe(`when the alarm platform is down for ${OUTAGE_MS / 1000} s while alarms fire, change and recover`, () => {
  it('delivers every event after it returns, in order per alarm', async () => {
    const engine = engineFor(sim.url);
    receiver.down = true;
    const downAt = Date.now();
    // Three lifecycles per host during the outage, spread over it: raise, update, resolve, raise again…
    const phases = [95, 97, 50, 96, 98, 50, 94, 99, 50];
    const spacing = (OUTAGE_MS - 4_000) / phases.length;
    for (const [i, value] of phases.entries()) {
      await pushValues(engine, metric, new Map(HOSTS.map((h) => [h, value])));
      // Each phase polled onto the log before the next (every alarm one event per phase), however slow the machine.
      await waitFor(`phase ${i + 1} on the log`, async () => (await alarmLog(redis, prefix)).length === HOSTS.length * (i + 1), 15_000);
      await sleep(Math.max(0, downAt + (i + 1) * spacing - Date.now()));
    }
    await sleep(Math.max(0, downAt + OUTAGE_MS - Date.now()));
    const onLogDuringOutage = (await alarmLog(redis, prefix)).length;
    expect(onLogDuringOutage).toBe(HOSTS.length * phases.length);
    expect(receiver.accepted).toEqual([]);
    expect(receiver.refusedWhileDown).toBeGreaterThan(0);

    receiver.down = false;
    const upAt = Date.now();
    await waitFor('every event on the log delivered', async () => receiver.accepted.length >= onLogDuringOutage, 60_000);
    const catchUpS = (Date.now() - upAt) / 1000;
    const log = await alarmLog(redis, prefix);
    console.log(JSON.stringify({ e2e: 'platform-outage', outageS: (upAt - downAt) / 1000, events: log.length, refusedWhileDown: receiver.refusedWhileDown, catchUpS }));
    expect(receiver.accepted.map((e) => e.id).sort()).toEqual(log.map((e) => e.id).sort());
    // One alarm per host (one rule, one series), its three episodes in a row on it.
    expect(receiver.byAlarm().size).toBe(HOSTS.length);
    const lifecycle = ['raised', 'updated', 'resolved'];
    for (const events of receiver.byAlarm().values()) expect(events.map((e) => e.kind)).toEqual([...lifecycle, ...lifecycle, ...lifecycle]);
    expect(outOfOrder(receiver.byAlarm())).toEqual([]);
    expect(receiver.invalid).toEqual([]);
  }, OUTAGE_MS + 90_000);
});
