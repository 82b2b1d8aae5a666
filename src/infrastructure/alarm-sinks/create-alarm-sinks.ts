import type { AlarmSink } from '../../application/ports/alarm-sink.js';
import type { AlarmSinksConfig } from '../config/config-schema.js';
import { AlertmanagerAlarmSink } from './alertmanager-alarm-sink.js';
import { WebhookAlarmSink } from './webhook-alarm-sink.js';

export interface AlarmSinks {
  /** Every enabled sink, for the alarm-delivery projection. */
  readonly all: AlarmSink[];
  /** The Alertmanager sink when enabled: `refreshAlertmanager` / `keepAlertmanagerLeases` need it. */
  readonly alertmanager: AlertmanagerAlarmSink | null;
}

/** The sinks the configuration enables; `pollIntervalMs` sets the Alertmanager lease (× leaseMultiplier). */
export function createAlarmSinks(config: AlarmSinksConfig, opts: { readonly pollIntervalMs: number }): AlarmSinks {
  const all: AlarmSink[] = [];
  if (config.webhook.enabled) {
    const w = config.webhook;
    all.push(new WebhookAlarmSink({ url: w.url, secret: w.secret, source: w.source, typePrefix: w.typePrefix, timeoutMs: w.timeoutMs }));
  }
  let alertmanager: AlertmanagerAlarmSink | null = null;
  if (config.alertmanager.enabled) {
    const a = config.alertmanager;
    const template = a.generatorUrlTemplate;
    alertmanager = new AlertmanagerAlarmSink({
      url: a.url,
      leaseMs: Math.round(a.leaseMultiplier * opts.pollIntervalMs),
      timeoutMs: a.timeoutMs,
      ...(template ? { generatorUrl: (alarm) => template.replaceAll('{alarmId}', encodeURIComponent(alarm.id)) } : {}),
    });
    all.push(alertmanager);
  }
  return { all, alertmanager };
}
