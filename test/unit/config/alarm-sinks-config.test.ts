import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { AlertmanagerAlarmSink } from '../../../src/infrastructure/alarm-sinks/alertmanager-alarm-sink.js';
import { createAlarmSinks } from '../../../src/infrastructure/alarm-sinks/create-alarm-sinks.js';
import { WebhookAlarmSink } from '../../../src/infrastructure/alarm-sinks/webhook-alarm-sink.js';
import { ConfigError, loadConfig } from '../../../src/infrastructure/config/load-config.js';
import { createLogger } from '../../../src/infrastructure/observability/logger.js';

const ok = { AIOPS__ENGINE__AUTH__PASSWORD: 's3cret' };
const secret = `whsec_${randomBytes(32).toString('base64')}`;
const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadConfig({ env: { ...ok, ...env } });
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  return [];
};

describe('alarm sinks left at their defaults', () => {
  it('are all disabled and need no secret', () => {
    const cfg = loadConfig({ env: ok });
    expect(cfg.alarms.sinks.webhook.enabled).toBe(false);
    expect(cfg.alarms.sinks.alertmanager).toMatchObject({ enabled: false, leaseMultiplier: 4 });
    expect(createAlarmSinks(cfg.alarms.sinks, { pollIntervalMs: 10_000 })).toEqual({ all: [], alertmanager: null });
  });
});

describe('an enabled webhook', () => {
  const on = { AIOPS__ALARMS__SINKS__WEBHOOK__ENABLED: 'true', AIOPS__ALARMS__SINKS__WEBHOOK__URL: 'https://alarms.example/hook' };

  it('takes its secret from the environment', () => {
    const cfg = loadConfig({ env: { ...ok, ...on, AIOPS__ALARMS__SINKS__WEBHOOK__SECRET: secret } });
    expect(cfg.alarms.sinks.webhook.secret).toBe(secret);
    const sinks = createAlarmSinks(cfg.alarms.sinks, { pollIntervalMs: 10_000 });
    expect(sinks.all.map((s) => s.name)).toEqual(['webhook']);
    expect(sinks.all[0]).toBeInstanceOf(WebhookAlarmSink);
  });

  it('is refused without a secret, with a malformed one (not quoted), or without a URL', () => {
    expect(problemsOf(on)).toContain('alarms.sinks.webhook.secret: must be set when the webhook is enabled (AIOPS__ALARMS__SINKS__WEBHOOK__SECRET)');
    const bad = 'whsec_c2hvcnQ=';
    const problems = problemsOf({ ...on, AIOPS__ALARMS__SINKS__WEBHOOK__SECRET: bad });
    expect(problems.join('\n')).toMatch(/alarms.sinks.webhook.secret: shorter than 24 bytes/);
    expect(problems.join('\n')).not.toContain('c2hvcnQ');
    expect(problemsOf({ AIOPS__ALARMS__SINKS__WEBHOOK__ENABLED: 'true', AIOPS__ALARMS__SINKS__WEBHOOK__SECRET: secret })).toContain(
      'alarms.sinks.webhook.url: must be an http(s) URL when the webhook is enabled',
    );
  });

  it('refuses a type prefix that is not reverse-DNS', () => {
    expect(problemsOf({ AIOPS__ALARMS__SINKS__WEBHOOK__TYPEPREFIX: 'Alarm Events' }).join('\n')).toMatch(/alarms.sinks.webhook.typePrefix: must be a reverse-DNS name/);
  });
});

describe('an enabled Alertmanager', () => {
  it('gets a lease of leaseMultiplier × the poll interval and a generatorURL from the template', () => {
    const cfg = loadConfig({
      env: { ...ok, AIOPS__ALARMS__SINKS__ALERTMANAGER__ENABLED: 'true', AIOPS__ALARMS__SINKS__ALERTMANAGER__GENERATORURLTEMPLATE: 'http://b/alarms/{alarmId}' },
    });
    const { all, alertmanager } = createAlarmSinks(cfg.alarms.sinks, { pollIntervalMs: 10_000 });
    expect(all).toEqual([alertmanager]);
    expect(alertmanager).toBeInstanceOf(AlertmanagerAlarmSink);
    expect(alertmanager!.leaseMs).toBe(40_000);
    expect(alertmanager!.alertOptions.generatorUrl?.({ id: 'a b' } as never)).toBe('http://b/alarms/a%20b');
  });
});

describe('a log line carrying the configuration', () => {
  it('never shows the webhook secret', () => {
    const lines: string[] = [];
    const out = new Writable({ write: (chunk, _e, cb) => (lines.push(String(chunk)), cb()) });
    const cfg = loadConfig({ env: { ...ok, AIOPS__ALARMS__SINKS__WEBHOOK__SECRET: secret } });
    const log = createLogger('info', 'test', out);
    log.info({ config: cfg }, 'start');
    log.info({ webhook: cfg.alarms.sinks.webhook }, 'sink');
    log.info({ sinks: cfg.alarms.sinks }, 'sinks');
    log.info({ alarms: cfg.alarms }, 'alarms');
    const text = lines.join('');
    expect(text).not.toContain(secret.slice(6, 30));
    expect(text.match(/"secret":"\[redacted\]"/g)?.length).toBe(4);
  });
});
