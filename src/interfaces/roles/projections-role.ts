import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { ALARM_VIEW } from '../../application/alarms/alarm-view-projection.js';
import { deliveryProjectionName } from '../../application/alarms/alarm-delivery-projection.js';
import { comparePositions } from '../../application/event-store/log-position.js';
import { projectionStatus } from '../../application/projections/projection-status.js';
import { keepAlertmanagerLeases, RESOLVED_RESEND_MS } from '../../infrastructure/alarm-sinks/alertmanager-refresh.js';
import type { AlarmSinks } from '../../infrastructure/alarm-sinks/create-alarm-sinks.js';
import type { ProjectionsConfig } from '../../infrastructure/config/config-schema.js';
import { createProjectionMetrics } from '../../infrastructure/observability/projection-metrics.js';
import type { ReadinessCheck } from '../http/ops-routes.js';
import { newOwnerId, wireProjections } from './projections-wiring.js';
import { projectionLagCheck } from './readiness-checks.js';

const LAG_CAP = 1_000;

export interface ProjectionsRoleDeps {
  readonly redis: Redis;
  /** Ends with ':' (the same prefix the event store uses). */
  readonly keyPrefix: string;
  readonly config: ProjectionsConfig;
  readonly pollIntervalMs: number;
  readonly sinks: AlarmSinks;
  readonly log: Logger;
  readonly registry: Registry;
  /** The role adds its lag check here (`/readyz`). */
  readonly readiness?: ReadinessCheck[];
}

/**
 * The `projections` role: every replica runs a runner per projection (alarm-view, alarm-delivery:<sink> per
 * enabled sink); the lease lets one replica at a time run each, and another takes over within lease TTL + retry
 * when it dies. The replica that owns the Alertmanager delivery also refreshes Alertmanager's leases every poll
 * interval from the alarm view. Returns the stop function (gives the leases back at once).
 */
export function startProjectionsRole(deps: ProjectionsRoleDeps): () => Promise<void> {
  const { config, log } = deps;
  const m = createProjectionMetrics(deps.registry);
  const w = wireProjections(deps.redis, deps.keyPrefix, config, deps.sinks.all, log, {
    onOutcome: (sink, outcome) => m.deliveries.inc({ sink, outcome }),
    onDisabled: (sink) => m.sinkDisabled.set({ sink }, 1),
    onRecordFailed: (sink) => m.recordFailures.inc({ sink }),
    onAdvance: (projection, events) => m.events.inc({ projection }, events),
    onOwnership: (projection, owned) => m.owner.set({ projection }, owned ? 1 : 0),
  });
  const owner = newOwnerId('projections');
  const runners = w.projections.map((p) => w.runner(p, owner));
  runners.forEach((r) => r.start());
  log.info({ projections: runners.map((r) => r.name), owner }, 'projections role started');
  // Any replica can answer: the lag is read from the shared log and checkpoints (one event read per projection).
  deps.readiness?.push(
    projectionLagCheck(() => Promise.all(w.projections.map((p) => projectionStatus(w, p.name, p.category, { cap: 1 }))), config.readyMaxLagSeconds),
  );

  const lagTimer = setInterval(() => {
    void (async () => {
      // Only the owner reports a projection's lag (one series per projection across the fleet), counted up to
      // LAG_CAP events: reading more to count them would cost a lot exactly when a sink is down for long.
      for (const [i, p] of w.projections.entries()) {
        if (!runners[i]?.isOwner()) {
          m.lagEvents.remove({ projection: p.name });
          m.lagSeconds.remove({ projection: p.name });
          continue;
        }
        const s = await projectionStatus(w, p.name, p.category, { cap: LAG_CAP });
        m.lagEvents.set({ projection: p.name }, s.behind);
        m.lagSeconds.set({ projection: p.name }, s.oldestPendingAgeMs / 1000);
      }
      for (const sink of deps.sinks.all) {
        m.deadLetters.set({ sink: sink.name }, await w.deadLetters.count(sink.name));
        m.sinkDisabled.set({ sink: sink.name }, (await w.sinkSwitch.state(sink.name)).disabled ? 1 : 0);
      }
    })().catch((err: unknown) => log.warn({ err }, 'projection lag check failed'));
  }, config.lagCheckMs);

  const stopRefresh = deps.sinks.alertmanager ? startAlertmanagerRefresh(deps, w, runners, m) : async () => undefined;

  return async () => {
    clearInterval(lagTimer);
    await stopRefresh();
    await Promise.all(runners.map((r) => r.stop()));
    await Promise.all(deps.sinks.all.map((s) => s.close?.()));
  };
}

/**
 * Only the owner of `alarm-delivery:alertmanager` refreshes, and only from a view at least as new as what that
 * delivery sent: an older view could re-open an alert whose resolve was already delivered.
 */
function startAlertmanagerRefresh(
  deps: ProjectionsRoleDeps,
  w: ReturnType<typeof wireProjections>,
  runners: ReadonlyArray<{ name: string; isOwner(): boolean }>,
  m: ReturnType<typeof createProjectionMetrics>,
): () => Promise<void> {
  const sink = deps.sinks.alertmanager;
  if (!sink) return async () => undefined;
  const deliveryName = deliveryProjectionName(sink.name);
  const delivery = runners.find((r) => r.name === deliveryName);
  return keepAlertmanagerLeases({
    sink,
    intervalMs: deps.pollIntervalMs,
    load: async () => {
      if (!delivery?.isOwner()) return [];
      const [viewAt, sentAt] = await Promise.all([w.checkpoints.read(ALARM_VIEW), w.checkpoints.read(deliveryName)]);
      if (!viewCoversDelivery(viewAt, sentAt)) {
        m.alertmanagerRefresh.inc({ outcome: 'skipped_view_behind' });
        return [];
      }
      return w.view.firingAndResolvedSince(new Date(sink.now().getTime() - RESOLVED_RESEND_MS));
    },
    onResult: (r) => {
      if ('error' in r) {
        m.alertmanagerRefresh.inc({ outcome: 'error' });
        deps.log.warn({ err: r.error }, 'alertmanager refresh failed');
      } else if (r.firing + r.resolved > 0) {
        m.alertmanagerRefresh.inc({ outcome: r.outcome.kind });
        if (r.outcome.kind !== 'delivered') deps.log.warn({ outcome: r.outcome }, 'alertmanager refresh not accepted');
      }
    },
  });
}

/** True when the view has handled at least every event the delivery has (both are checkpoints of one log). */
export const viewCoversDelivery = (viewAt: string | null, sentAt: string | null): boolean =>
  sentAt === null || (viewAt !== null && comparePositions(viewAt, sentAt) >= 0);
