import { webhookSecretProblem } from '../alarm-sinks/webhook-alarm-sink.js';
import type { AlarmSinksConfig } from './config-schema.js';

const isHttpUrl = (text: string): boolean => {
  try {
    const u = new URL(text);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
};

/** Checks that depend on `enabled`: an enabled webhook needs a URL and a well-formed secret (never quoted). */
export function alarmSinkProblems(sinks: AlarmSinksConfig): string[] {
  const problems: string[] = [];
  const w = sinks.webhook;
  if (!w.enabled) return problems;
  if (!isHttpUrl(w.url)) problems.push('alarms.sinks.webhook.url: must be an http(s) URL when the webhook is enabled');
  if (w.secret === '') problems.push('alarms.sinks.webhook.secret: must be set when the webhook is enabled (AIOPS__ALARMS__SINKS__WEBHOOK__SECRET)');
  else {
    const problem = webhookSecretProblem(w.secret);
    if (problem !== null) problems.push(`alarms.sinks.webhook.secret: ${problem} (expected whsec_ + base64 of ≥ 24 bytes)`);
  }
  return problems;
}
