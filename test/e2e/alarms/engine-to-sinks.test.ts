import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { BridgeProcess } from '../../../bench/support/bridge-process.js';
import type { AnalysisEngine } from '../../../src/application/ports/analysis-engine.js';
import { executeRuleCommand } from '../../../src/application/rules/rules.js';
import { PrometheusEngine } from '../../../src/infrastructure/engines/prometheus/index.js';
import { RedisEventStore } from '../../../src/infrastructure/redis/redis-event-store.js';
import { runCli } from '../../../src/interfaces/cli/run-cli.js';
import { alarmLog, alertmanagerAlerts, chainConfig, engineFor, newWebhookSecret, startFleet, stopFleet } from '../../support/alarm-chain.js';
import { TEST_API_KEY, testAuthHeaders, waitFor } from '../../support/bridge-harness.js';
import { prometheusRulesDir } from '../../support/prometheus.js';
import { redisForTest } from '../../support/redis-test.js';
import { services, uniqueSuffix } from '../../support/services.js';
import { SignedReceiver } from '../../support/signed-receiver.js';
import { startEngineSimulator, type RunningSimulator } from '../../simulator/index.js';

/**
 * The same scenario once per engine, every step the real one: our rule in our rule store → `engine migrate --to`
 * the engine → a bridge process with the poll, projections and api roles on that engine → a metric pushed into
 * the engine fires the rule → the alarm is delivered to a signed webhook receiver and to the real Alertmanager →
 * recovery resolves it at both. Then the switch: an alarm raised from the simulator stays the same alarm (same id
 * in our store, our API, the webhook and Alertmanager; no resolve, no second raise) when the fleet is moved to
 * Prometheus by `engine migrate --to` and a restart with the Prometheus configuration.
 */
const POLL_MS = 1_000;
const { redis, prefix, cleanup } = redisForTest('e2e-engines');
const sims: RunningSimulator[] = [];
let rulesDir = '';
let dir = '';
const ruleSets: string[] = [];
const running: { fleet: BridgeProcess[]; receivers: SignedReceiver[] } = { fleet: [], receivers: [] };

beforeAll(async () => {
  rulesDir = await prometheusRulesDir(services.prometheusUrl);
  dir = await mkdtemp(join(tmpdir(), 'aiops-e2e-engines-'));
});
afterEach(async () => {
  await stopFleet(running.fleet.splice(0));
  for (const r of running.receivers.splice(0)) await r.close();
});
afterAll(async () => {
  for (const sim of sims) await sim.close();
  for (const ruleSet of ruleSets) {
    await rm(join(rulesDir, `${ruleSet}.yml`), { force: true });
    await rm(join(rulesDir, `${ruleSet}.rules.json`), { force: true });
  }
  await fetch(`${services.prometheusUrl}/-/reload`, { method: 'POST' });
  await rm(dir, { recursive: true, force: true });
  await cleanup();
});

/** One engine as the fleet is configured for it, and a client to push its data the way the forwarder would. */
interface Engine {
  readonly name: string;
  readonly section: Record<string, unknown>;
  readonly client: AnalysisEngine;
}
/** A simulator of its own per scenario: a fleet on it sees no other scenario's alarms. */
const simulator = async (): Promise<Engine> => {
  const sim = await startEngineSimulator({ evaluateEveryMs: 200 });
  sims.push(sim);
  return {
    name: 'simulator',
    section: { kind: 'shuzhihui', baseUrl: sim.url, auth: { mode: 'bearer', username: 'admin', password: 'admin123' }, timeoutMs: 5_000 },
    client: engineFor(sim.url),
  };
};
/** A rule set of its own per scenario: the adapter reads only its own rule set's alerts. */
const prometheus = async (): Promise<Engine> => {
  const ruleSet = `e2e-${uniqueSuffix()}`;
  ruleSets.push(ruleSet);
  return {
    name: 'prometheus',
    section: { kind: 'prometheus', timeoutMs: 5_000, prometheus: { url: services.prometheusUrl, rulesDir, ruleSet } },
    client: new PrometheusEngine({ url: services.prometheusUrl, rulesDir, ruleSet }),
  };
};

/** A fleet prefix, our rule in its rule store, a receiver; `on(engine)` migrates the rule there and starts one replica. */
async function scenario(keyPrefix: string) {
  const metric = `e2e_${uniqueSuffix()}.value`;
  const ruleId = randomUUID();
  const store = new RedisEventStore(redis, { keyPrefix: `${keyPrefix}:` });
  const spec = { name: `e2e ${metric}`, metric, tagFilter: {}, algorithm: { kind: 'threshold' as const, operator: '>' as const, value: 90, durationSeconds: 0 }, level: 'major' as const, enabled: true };
  await executeRuleCommand(store, { type: 'CreateRule', ruleId, expectedVersion: 0, now: new Date().toISOString(), spec }, 'test');
  const secret = newWebhookSecret();
  const receiver = new SignedReceiver(secret);
  running.receivers.push(receiver);
  const webhookUrl = await receiver.start();
  const configOf = (e: Engine) =>
    chainConfig({
      engineUrl: '' /* the engine section below replaces it */, webhookUrl, secret, pollIntervalMs: POLL_MS, keyPrefix, alertmanager: true, roles: ['poll', 'projections', 'api'], engine: e.section,
      extra: { api: { keys: [{ name: 'e2e', key: TEST_API_KEY, scopes: ['admin'] }] } },
    });
  const fileOf = async (e: Engine): Promise<string> => {
    const file = join(dir, `${keyPrefix.replaceAll(':', '_')}-${e.name}.yaml`);
    await writeFile(file, dump({ ...configOf(e), logLevel: 'silent' }));
    return file;
  };
  let current: string | undefined;
  let httpPort = 0;
  return {
    metric,
    ruleId,
    receiver,
    /** `engine migrate --to` the engine (the rule replayed from our store, linked for it), then its fleet. */
    async on(e: Engine): Promise<{ created: number; errors: unknown[] }> {
      const target = await fileOf(e);
      const out = vi.spyOn(console, 'log').mockImplementation(() => undefined);
      let outcome: { created: number; errors: unknown[] };
      try {
        expect(await runCli(['engine', 'migrate', '--to', target, '--config', current ?? target], () => Promise.reject(new Error('not serving')))).toBe(0);
        outcome = JSON.parse(String(out.mock.calls.at(-1)?.[0])) as { created: number; errors: unknown[] };
      } finally {
        out.mockRestore();
      }
      current = target;
      return outcome;
    },
    async start(e: Engine): Promise<void> {
      const fleet = await startFleet({ ...configOf(e), logLevel: 'info' }, 1, e.name);
      running.fleet.push(...fleet);
      const started = await fleet[0]!.waitForLog((l) => l.msg === 'aiops-bridge started', 1_000);
      httpPort = started.httpPort as number;
    },
    async stop(): Promise<void> {
      await stopFleet(running.fleet.splice(0));
    },
    /** Our API's alarms of our rule. */
    async apiAlarms(): Promise<Array<{ id: string; status: string; ruleId: string; value: number }>> {
      const res = await fetch(`http://127.0.0.1:${httpPort}/api/v1/alarms?ruleId=${ruleId}`, { headers: testAuthHeaders });
      expect(res.status).toBe(200);
      return ((await res.json()) as { alarms: Array<{ id: string; status: string; ruleId: string; value: number }> }).alarms;
    },
    /** Pushes `value` into the engine every 250 ms (as a forwarder would) until `done`. */
    async feed<T>(e: Engine, value: number, what: string, done: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
      return waitFor(what, async () => {
        await e.client.pushMetrics([{ name: metric, tags: { host: 'e2e-1' }, ts: Date.now(), value }], randomUUID());
        return done();
      }, timeoutMs);
    },
    activeInAlertmanager: async () => (await alertmanagerAlerts(metric)).filter((a) => a.status.state === 'active').map((a) => a.labels.alarm_id),
  };
}

const kinds = (r: SignedReceiver, alarmId: string) => r.accepted.filter((e) => e.alarmId === alarmId).map((e) => e.kind);

describe.each([
  ['the 数智慧 simulator', simulator],
  ['Prometheus', prometheus],
])('metric in → rule → alarm delivered → resolve delivered, on %s', (_name, engineOf) => {
  it('raises through the poll and projections roles, delivers to the webhook and Alertmanager, and resolves at both', async () => {
    const engine = await engineOf();
    const s = await scenario(`${prefix}:${engine.name}`);
    expect(await s.on(engine)).toMatchObject({ created: 1, errors: [] });
    await s.start(engine);

    const t0 = Date.now();
    const raised = await s.feed(engine, 99, 'the raise at the webhook', async () => s.receiver.accepted.find((e) => e.kind === 'raised' && e.metric === s.metric));
    const raisedAfterMs = Date.now() - t0;
    expect(raised).toMatchObject({ metric: s.metric });
    await waitFor('the alert in Alertmanager', async () => (await s.activeInAlertmanager()).includes(raised.alarmId), 20_000);
    expect(await s.apiAlarms()).toMatchObject([{ id: raised.alarmId, status: 'firing', ruleId: s.ruleId }]);

    const t1 = Date.now();
    await s.feed(engine, 1, 'the resolve at the webhook', async () => kinds(s.receiver, raised.alarmId).includes('resolved'));
    const resolvedAfterMs = Date.now() - t1;
    await waitFor('no alert in Alertmanager', async () => (await s.activeInAlertmanager()).length === 0, 20_000);
    expect(kinds(s.receiver, raised.alarmId)).toEqual(['raised', 'resolved']);
    expect(s.receiver.invalid).toEqual([]);
    expect(await s.apiAlarms()).toMatchObject([{ id: raised.alarmId, status: 'resolved' }]);
    console.log(JSON.stringify({ e2e: 'engine-to-sinks', engine: engine.name, raisedAfterMs, resolvedAfterMs }));
  }, 90_000);
});

describe('an alarm raised from the simulator, when the fleet is switched to Prometheus', () => {
  it('stays the same alarm in our store, our API, the webhook and Alertmanager: updated, never resolved and raised again', async () => {
    const t0 = Date.now();
    const [a, b] = [await simulator(), await prometheus()];
    const s = await scenario(`${prefix}:switch`);
    await s.on(a);
    await s.start(a);
    const raised = await s.feed(a, 99, 'the raise at the webhook', async () => s.receiver.accepted.find((e) => e.kind === 'raised' && e.metric === s.metric));
    await waitFor('the alert in Alertmanager', async () => (await s.activeInAlertmanager()).includes(raised.alarmId), 20_000);

    // The operator's switch: rules replayed into Prometheus; the data goes there (forwarders switched first) until
    // it fires the rule; then the pollers are restarted on the Prometheus configuration.
    expect(await s.on(b)).toMatchObject({ created: 1, errors: [] });
    await s.feed(b, 97, 'Prometheus firing the rule', async () => (await b.client.listCurrentAlarms()).alarms.length === 1);
    await s.stop();
    const t1 = Date.now();
    await s.start(b);
    // The value moved (99 → 97): the poll on Prometheus updates the alarm it already knows.
    await s.feed(b, 97, 'the update at the webhook', async () => kinds(s.receiver, raised.alarmId).includes('updated'));
    await new Promise((r) => setTimeout(r, 5 * POLL_MS)); // more than K = 3 polls: an unmatched alarm would resolve now
    expect(s.receiver.accepted.map((e) => [e.alarmId, e.kind])).toEqual([[raised.alarmId, 'raised'], [raised.alarmId, 'updated']]);
    expect(await s.activeInAlertmanager()).toEqual([raised.alarmId]);
    expect(await s.apiAlarms()).toMatchObject([{ id: raised.alarmId, status: 'firing', ruleId: s.ruleId, value: 97 }]);
    const switchedAfterMs = Date.now() - t1;

    await s.feed(b, 1, 'the resolve at the webhook', async () => kinds(s.receiver, raised.alarmId).includes('resolved'));
    await waitFor('no alert in Alertmanager', async () => (await s.activeInAlertmanager()).length === 0, 20_000);
    expect(kinds(s.receiver, raised.alarmId)).toEqual(['raised', 'updated', 'resolved']);
    expect(new Set((await alarmLog(redis, `${prefix}:switch`)).map((e) => e.streamName))).toEqual(new Set([`alarm-${raised.alarmId}`]));
    console.log(JSON.stringify({ e2e: 'engine-switch', switchedAfterMs, totalMs: Date.now() - t0 }));
  }, 90_000);
});
