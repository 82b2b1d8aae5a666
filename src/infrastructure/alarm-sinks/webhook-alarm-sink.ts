import { Webhook } from 'standardwebhooks';
import type { AlarmSink, DeliveryOutcome } from '../../application/ports/alarm-sink.js';
import type { RecordedEvent } from '../../application/ports/event-store.js';
import type { AlarmEvent } from '../../domain/alarms/alarm-events.js';
import { toCloudEvent, type CloudEventOptions } from './cloud-event.js';
import { postForOutcome } from './http-outcome.js';

export interface WebhookAlarmSinkOptions extends CloudEventOptions {
  readonly url: string;
  /** Standard Webhooks secret, `whsec_<base64 of 24–64 random bytes>`. Never logged. */
  readonly secret: string;
  /** Whole-request deadline (connect, send, answer). */
  readonly timeoutMs: number;
  /** Time of the signature (`webhook-timestamp`); injectable for tests. */
  readonly now?: () => Date;
}

/** The secret is bad: the message says how, never what it is. */
export class WebhookSecretError extends Error {
  readonly code = 'ALARM_SINK.BAD_SECRET';
  constructor(why: string) {
    super(`alarm webhook secret: ${why} (expected whsec_ followed by base64 of at least 24 bytes)`);
    this.name = 'WebhookSecretError';
  }
}

/**
 * Delivers alarm events to the alarm platform as CloudEvents 1.0 in structured mode, signed by the Standard
 * Webhooks convention (docs/alarm-webhook.md). `webhook-id` is the CloudEvent id is the event id, so every retry of
 * one event carries the same id and the receiver de-duplicates on it; `webhook-timestamp` is the time of this
 * attempt (a retry an hour later must still fall inside the receiver's tolerance), the event's own time is `time`.
 */
export class WebhookAlarmSink implements AlarmSink {
  readonly name = 'webhook';
  // A private field: util.inspect and JSON.stringify of the sink never show the key.
  readonly #signer: Webhook;
  readonly #opts: Omit<WebhookAlarmSinkOptions, 'secret'>;

  constructor(opts: WebhookAlarmSinkOptions) {
    this.#signer = signerFor(opts.secret);
    const { secret: _secret, ...rest } = opts;
    this.#opts = rest;
  }

  async deliver(event: RecordedEvent<AlarmEvent>): Promise<DeliveryOutcome> {
    const now = this.#opts.now ?? (() => new Date());
    const body = JSON.stringify(toCloudEvent(event, this.#opts));
    const sentAt = now();
    const headers = {
      'content-type': 'application/cloudevents+json; charset=utf-8',
      'user-agent': 'aiops-bridge-alarm-webhook/1',
      'webhook-id': event.id,
      'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
      'webhook-signature': this.#signer.sign(event.id, sentAt, body),
    };
    return postForOutcome(this.#opts.url, { headers, body, timeoutMs: this.#opts.timeoutMs, now });
  }
}

/** What is wrong with a webhook secret (without quoting it), or null when it is well-formed. */
export function webhookSecretProblem(secret: string): string | null {
  if (!secret.startsWith('whsec_')) return 'missing the whsec_ prefix';
  const b64 = secret.slice('whsec_'.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64) || b64.length % 4 !== 0) return 'not base64';
  if (Buffer.from(b64, 'base64').length < 24) return 'shorter than 24 bytes';
  return null;
}

function signerFor(secret: string): Webhook {
  const problem = webhookSecretProblem(secret);
  if (problem !== null) throw new WebhookSecretError(problem);
  return new Webhook(secret);
}
