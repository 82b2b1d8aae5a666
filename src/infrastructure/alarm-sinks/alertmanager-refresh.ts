import type { DeliveryOutcome } from '../../application/ports/alarm-sink.js';
import type { AlarmView } from '../../domain/alarms/alarm-events.js';
import type { AlertmanagerAlarmSink } from './alertmanager-alarm-sink.js';
import { BadAlarmError, firingAlert, resolvedAlerts, type PostableAlert } from './alertmanager-alerts.js';

/** How long a resolve is re-sent: Alertmanager may have lost it (restart without storage, a peer that missed it). */
export const RESOLVED_RESEND_MS = 5 * 60_000;

export interface RefreshResult {
  readonly firing: number;
  readonly resolved: number;
  /** Ids of alarms left out because they could not be rendered (BadAlarmError). */
  readonly skipped: readonly string[];
  readonly outcome: DeliveryOutcome;
}

/**
 * Keeps Alertmanager's view right between events: every firing alarm is re-sent with a fresh lease, every alarm
 * resolved within the last 5 minutes is re-sent with `endsAt` = its resolve time. Called every poll interval
 * with the alarm-view read model's current alarms and recent resolves (other alarms are ignored, so passing
 * more is harmless).
 *
 * Freshness: pass a view at least as new as the alertmanager delivery's checkpoint. A view older than a resolve
 * the delivery already sent would re-open that alert (Alertmanager replaces a resolved alert by a firing one with
 * the same labels) until the next refresh re-sends the resolve.
 */
export async function refreshAlertmanager(
  sink: AlertmanagerAlarmSink,
  alarms: readonly AlarmView[],
  opts: { readonly resolvedWithinMs?: number } = {},
): Promise<RefreshResult> {
  const now = sink.now();
  const since = now.getTime() - (opts.resolvedWithinMs ?? RESOLVED_RESEND_MS);
  const leaseEnd = sink.leaseEnd(now);
  const firing = alarms.filter((a) => a.status === 'firing');
  const resolved = alarms.filter((a) => a.status === 'resolved' && a.resolvedAt !== null && Date.parse(a.resolvedAt) >= since);
  const alerts: PostableAlert[] = [];
  const skipped: string[] = [];
  // One alarm that cannot be rendered must not keep every other alarm's lease from being renewed.
  const add = (alarm: AlarmView, build: () => PostableAlert[]): void => {
    try {
      alerts.push(...build());
    } catch (err) {
      if (!(err instanceof BadAlarmError)) throw err;
      skipped.push(alarm.id);
    }
  };
  for (const a of firing) add(a, () => [firingAlert(a, leaseEnd, sink.alertOptions)]);
  for (const a of resolved) add(a, () => resolvedAlerts(a, now.toISOString(), sink.alertOptions));
  const outcome: DeliveryOutcome = alerts.length === 0 ? { kind: 'delivered' } : await sink.post(alerts);
  return { firing: firing.length, resolved: resolved.length, skipped, outcome };
}

/**
 * Runs `refreshAlertmanager` every `intervalMs` (the poll interval) with what `load` returns, never two at once.
 * `onResult` sees each result or error (for logs and metrics). Returns the stop function, which waits for a
 * refresh under way.
 */
export function keepAlertmanagerLeases(opts: {
  readonly sink: AlertmanagerAlarmSink;
  readonly intervalMs: number;
  readonly load: () => Promise<readonly AlarmView[]>;
  readonly onResult?: (result: RefreshResult | { readonly error: unknown }) => void;
}): () => Promise<void> {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const tick = (): void => {
    running = (async () => {
      try {
        opts.onResult?.(await refreshAlertmanager(opts.sink, await opts.load()));
      } catch (error) {
        opts.onResult?.({ error });
      }
    })().finally(() => {
      if (!stopped) timer = setTimeout(tick, opts.intervalMs);
    });
  };
  tick();
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await running;
  };
}
