import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalysisEngine } from '../../../src/application/ports/analysis-engine.js';
import type { EngineAlarm } from '../../../src/domain/alarm.js';
import type { AlarmView } from '../../../src/domain/alarms/alarm-events.js';
import { AlertmanagerAlarmSink } from '../../../src/infrastructure/alarm-sinks/alertmanager-alarm-sink.js';
import { WebhookAlarmSink } from '../../../src/infrastructure/alarm-sinks/webhook-alarm-sink.js';
import { PrometheusEngine } from '../../../src/infrastructure/engines/prometheus/index.js';
import { createShuzhihuiEngine } from '../../../src/infrastructure/engines/shuzhihui/index.js';
import { raised, resolved } from '../../support/alarm-sink-fixtures.js';
import { prometheusRulesDir } from '../../support/prometheus.js';
import { services, uniqueSuffix } from '../../support/services.js';
import { startEngineSimulator } from '../../simulator/index.js';

/**
 * The same scenario once per engine: a metric pushed into the engine → our rule → the engine's alarm, in our
 * schema → delivered by our sinks to a webhook receiver and to the real Alertmanager; then recovery → resolve
 * delivered to both. The poll/reconcile use case (Flow 2, another branch) is stood in for by `viewOf` and the
 * resolve on absence from a complete snapshot; the point here is that nothing after the port depends on the
 * engine.
 */
interface Subject {
  readonly engine: AnalysisEngine;
  readonly close: () => Promise<void>;
}

const engines: [string, () => Promise<Subject>][] = [
  [
    '数智慧 (simulator)',
    async () => {
      const sim = await startEngineSimulator({ evaluateEveryMs: 100 });
      const engine = createShuzhihuiEngine({ baseUrl: sim.url, auth: { mode: 'bearer', username: 'admin', password: 'admin123' } });
      return {
        engine,
        close: async () => {
          engine.close();
          await sim.close();
        },
      };
    },
  ],
  [
    'Prometheus',
    async () => {
      const rulesDir = await prometheusRulesDir(services.prometheusUrl);
      const ruleSet = `e2e-${uniqueSuffix()}`;
      const engine = new PrometheusEngine({ url: services.prometheusUrl, rulesDir, ruleSet });
      return {
        engine,
        close: async () => {
          await rm(join(rulesDir, `${ruleSet}.yml`), { force: true });
          await rm(join(rulesDir, `${ruleSet}.rules.json`), { force: true });
          await fetch(`${services.prometheusUrl}/-/reload`, { method: 'POST' });
        },
      };
    },
  ],
];

const viewOf = (a: EngineAlarm, engineName: string): AlarmView => ({
  id: `e2e${Buffer.from(`${engineName}:${a.alarmId}`).toString('hex').slice(-24)}`,
  engineAlarmId: a.alarmId,
  ruleId: a.ruleId,
  ruleName: a.ruleName,
  metric: a.metric,
  tags: a.tags,
  severity: a.level,
  status: 'firing',
  value: a.value,
  summary: a.summary,
  startsAt: a.firstSeenAt,
  lastSeenAt: a.lastSeenAt,
  resolvedAt: null,
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe.each(engines)('metric in → rule → alarm delivered, on %s', (engineName, setup) => {
  let subject: Subject;
  const posts: { type: string; id: string }[] = [];
  const receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const event = JSON.parse(body) as { type: string; id: string };
      posts.push({ type: event.type, id: event.id });
      res.writeHead(204).end();
    });
  });
  let webhookUrl = '';

  beforeAll(async () => {
    subject = await setup();
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    webhookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/alarms`;
  });
  afterAll(async () => {
    await subject.close();
    receiver.closeAllConnections();
    await new Promise<void>((r) => receiver.close(() => r()));
  });

  it('raises, delivers, recovers and delivers the resolve to the webhook and to Alertmanager', async () => {
    const { engine } = subject;
    const run = uniqueSuffix();
    const metric = `e2e_${run}.value`;
    const tags = { host: 'e2e-1', run };
    const webhook = new WebhookAlarmSink({ url: webhookUrl, secret: `whsec_${randomBytes(24).toString('base64')}`, source: 'urn:aiops-bridge:e2e', typePrefix: 'com.aiops-bridge', timeoutMs: 5_000 });
    const alertmanager = new AlertmanagerAlarmSink({ url: services.alertmanagerUrl, leaseMs: 600_000, timeoutMs: 5_000 });
    const { engineRuleId } = await engine.createRule({ name: `e2e ${run}`, metric, tagFilter: { host: 'e2e-*' }, algorithm: { kind: 'threshold', operator: '>', value: 50, durationSeconds: 0 }, level: 'critical', enabled: true });
    const until = async <T>(value: number, found: () => Promise<T | undefined>): Promise<T> => {
      for (let i = 0; i < 120; i++) {
        await engine.pushMetrics([{ name: metric, tags, ts: Date.now(), value }], `e2e-${run}-${value}-${i}`);
        const hit = await found();
        if (hit !== undefined) return hit;
        await sleep(250);
      }
      throw new Error(`no change after pushing ${value} for 30 s`);
    };
    const amActive = async () =>
      (await (await fetch(`${services.alertmanagerUrl}/api/v2/alerts?active=true&filter=${encodeURIComponent(`run="${run}"`)}`)).json()) as { labels: Record<string, string> }[];

    const t0 = Date.now();
    const alarm = await until(99, async () => (await engine.listCurrentAlarms()).alarms.find((a) => a.ruleId === engineRuleId));
    const raisedAfterMs = Date.now() - t0;
    const view = viewOf(alarm, engineName);
    expect(view).toMatchObject({ metric, tags, severity: 'critical', status: 'firing' });
    const raise = raised(view);
    expect(await webhook.deliver(raise)).toEqual({ kind: 'delivered' });
    expect(await alertmanager.deliver(raise)).toEqual({ kind: 'delivered' });
    expect(posts.at(-1)).toEqual({ type: 'com.aiops-bridge.alarm.raised', id: raise.id });
    expect((await amActive()).map((a) => a.labels)).toEqual([expect.objectContaining({ alarm_id: view.id, metric, severity: 'critical', host: 'e2e-1' })]);

    const t1 = Date.now();
    await until(1, async () => {
      const current = await engine.listCurrentAlarms();
      return current.complete && !current.alarms.some((a) => a.alarmId === alarm.alarmId) ? true : undefined;
    });
    const recoveredAfterMs = Date.now() - t1;
    const resolve = resolved(view, 'absent_from_snapshots');
    expect(await webhook.deliver(resolve)).toEqual({ kind: 'delivered' });
    expect(await alertmanager.deliver(resolve)).toEqual({ kind: 'delivered' });
    expect(posts.at(-1)).toEqual({ type: 'com.aiops-bridge.alarm.resolved', id: resolve.id });
    expect(await amActive()).toEqual([]);
    await engine.deleteRule(engineRuleId);
    console.log(JSON.stringify({ scenario: 'metric→rule→alarm→sinks', engine: engineName, raisedAfterMs, recoveredAfterMs }));
  });
});
