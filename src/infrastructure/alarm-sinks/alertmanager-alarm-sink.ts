import type { AlarmSink, DeliveryOutcome } from '../../application/ports/alarm-sink.js';
import type { RecordedEvent } from '../../application/ports/event-store.js';
import type { AlarmEvent } from '../../domain/alarms/alarm-events.js';
import { BadAlarmError, endingAlerts, firingAlert, resolvedAlerts, type AlertOptions, type PostableAlert } from './alertmanager-alerts.js';
import { postForOutcome } from './http-outcome.js';

export interface AlertmanagerAlarmSinkOptions extends AlertOptions {
  /** Alertmanager's base URL (`http://127.0.0.1:9093`); alerts go to `<url>/api/v2/alerts`. */
  readonly url: string;
  /**
   * How long a firing alert stays active without being re-sent: 4 × the poll interval by default, so that three
   * missed refreshes in a row still do not resolve it (refreshAlertmanager re-sends every poll interval).
   */
  readonly leaseMs: number;
  readonly timeoutMs: number;
  readonly now?: () => Date;
}

/** Alerts per POST: Alertmanager validates and stores a body whole; this keeps one request well under a second. */
const CHUNK = 500;

/**
 * Delivers alarm events to Prometheus Alertmanager (`POST /api/v2/alerts`). Firing alarms are sent with `endsAt`
 * as a lease (`now + leaseMs`) that `refreshAlertmanager` renews every poll; a resolve is sent with `endsAt` = the
 * resolve time. Alertmanager identifies an alert by its labels, which come from the alarm's identity
 * (alertmanager-labels.ts), so a resolve always lands on its firing alert. Posting is idempotent: a redelivery
 * of the same event changes nothing but the lease.
 */
export class AlertmanagerAlarmSink implements AlarmSink {
  readonly name = 'alertmanager';
  readonly #endpoint: string;

  constructor(private readonly opts: AlertmanagerAlarmSinkOptions) {
    this.#endpoint = `${opts.url.replace(/\/+$/, '')}/api/v2/alerts`;
  }

  get leaseMs(): number {
    return this.opts.leaseMs;
  }

  /** The lease of an alert sent now: `now + leaseMs`. */
  leaseEnd(now: Date = this.#now()): Date {
    return new Date(now.getTime() + this.opts.leaseMs);
  }

  get alertOptions(): AlertOptions {
    return this.opts;
  }

  now(): Date {
    return this.#now();
  }

  async deliver(event: RecordedEvent<AlarmEvent>): Promise<DeliveryOutcome> {
    let alerts: PostableAlert[];
    try {
      alerts = this.#alertsOf(event);
    } catch (err) {
      // A bad event is a dead letter; the alarm's later events (and every other alarm) go on.
      if (err instanceof BadAlarmError) return { kind: 'rejected', reason: err.message };
      throw err;
    }
    return this.post(alerts);
  }

  #alertsOf(event: RecordedEvent<AlarmEvent>): PostableAlert[] {
    const now = this.#now();
    const alarm = event.data.alarm;
    switch (event.type) {
      case 'AlarmRaised':
        return [firingAlert(alarm, this.leaseEnd(now), this.opts)];
      case 'AlarmUpdated': {
        const alerts = [firingAlert(alarm, this.leaseEnd(now), this.opts)];
        // A new severity is a new label set: end the alerts of the other severities now, or the old one would
        // stay active beside the new one until its lease ran out.
        if (event.data.changed.includes('severity')) alerts.push(...endingAlerts(alarm, now, this.opts, alarm.severity));
        return alerts;
      }
      case 'AlarmResolved':
        return resolvedAlerts(alarm, event.time, this.opts);
      default: {
        const never: never = event;
        throw new BadAlarmError((never as RecordedEvent).streamName, `unknown alarm event ${(never as { type: string }).type}`);
      }
    }
  }

  /** Posts alerts in chunks; the first chunk that is not delivered decides the outcome (the rest is not sent). */
  async post(alerts: readonly PostableAlert[]): Promise<DeliveryOutcome> {
    for (let i = 0; i < alerts.length; i += CHUNK) {
      const outcome = await postForOutcome(this.#endpoint, {
        headers: { 'content-type': 'application/json', 'user-agent': 'aiops-bridge-alertmanager/1' },
        body: JSON.stringify(alerts.slice(i, i + CHUNK)),
        timeoutMs: this.opts.timeoutMs,
        now: () => this.#now(),
      });
      if (outcome.kind !== 'delivered') return outcome;
    }
    return { kind: 'delivered' };
  }

  #now(): Date {
    return this.opts.now ? this.opts.now() : new Date();
  }
}
