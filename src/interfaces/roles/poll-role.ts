import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { pollAlarms, type PollReport } from '../../application/alarms/poll-alarms.js';
import { startPollSchedule } from '../../application/alarms/poll-schedule.js';
import type { AnalysisEngine } from '../../application/ports/analysis-engine.js';
import type { EngineRuleLinks } from '../../application/ports/engine-rule-links.js';
import type { EventStore } from '../../application/ports/event-store.js';
import type { AlarmsConfig } from '../../infrastructure/config/config-schema.js';
import type { BridgeMetrics } from '../../infrastructure/observability/metrics.js';
import { RedisKnownAlarmIndex } from '../../infrastructure/redis/redis-known-alarm-index.js';
import { RedisPollLease } from '../../infrastructure/redis/redis-poll-lease.js';

export interface PollRoleDeps {
  readonly redis: Redis;
  /** Guarded engine: every page goes through the fleet budget at class `poll` (the adapter's request hooks). */
  readonly engine: Pick<AnalysisEngine, 'listCurrentAlarms' | 'listAlarmHistory'>;
  readonly store: EventStore;
  /** The configured engine's rule links (`engineRuleLinksPrefix`): alarms are identified by our rule, not its. */
  readonly ruleLinks: Pick<EngineRuleLinks, 'all'>;
  /** Ends with ':' (the same prefix the event store uses). */
  readonly keyPrefix: string;
  readonly config: AlarmsConfig;
  readonly log: Logger;
  readonly metrics?: BridgeMetrics;
}

/** The `poll` role: every replica runs the schedule; the Redis lease picks one poller per interval tick. */
export function startPollRole(deps: PollRoleDeps): () => Promise<void> {
  const { config, log, metrics } = deps;
  const interval = config.pollIntervalMs;
  // A dead poller holds the fleet off for at most two intervals; a live one renews three times per lease.
  const leaseMs = Math.max(2 * interval, 5_000);
  const index = new RedisKnownAlarmIndex(deps.redis, { keyPrefix: deps.keyPrefix, onCorrupt: (alarmId) => log.warn({ alarmId }, 'known-alarm entry unreadable, dropped') });
  const schedule = startPollSchedule({
    lease: new RedisPollLease(deps.redis, { keyPrefix: deps.keyPrefix, intervalMs: interval, leaseMs }),
    checkEveryMs: Math.max(50, Math.min(1_000, Math.floor(interval / 5))),
    intervalMs: interval,
    renewEveryMs: Math.floor(leaseMs / 3),
    onError: (err) => log.error({ err }, 'alarm poll failed'),
    poll: async (tick) => {
      const report = await pollAlarms({
        engine: deps.engine,
        store: deps.store,
        index,
        ruleLinks: deps.ruleLinks,
        clock: () => new Date(),
        newId: randomUUID,
        absentLimit: config.absentLimit,
        historyOverlapMs: config.historyOverlapMs,
        maxHistoryWindowMs: config.maxHistoryWindowMs,
        concurrency: config.concurrency,
        onCommandError: (err, alarmId) => log.error({ err, alarmId }, 'alarm command failed; retried next poll'),
      });
      record(report, metrics);
      const { error, ...fields } = report;
      if (!report.ok) log.warn({ err: error, tick, ...fields }, 'alarm poll: current list unreadable, nothing reconciled');
      else if (!report.complete) log.warn({ tick, ...fields }, 'alarm poll: incomplete snapshot, nothing resolved by absence');
      else log.debug({ tick, ...fields }, 'alarm poll');
    },
  });
  return () => schedule.stop();
}

function record(r: PollReport, metrics: BridgeMetrics | undefined): void {
  if (!metrics) return;
  metrics.alarmPolls.inc({ outcome: !r.ok ? 'failed' : r.complete ? 'complete' : 'incomplete' });
  metrics.alarmPollDuration.observe(r.durationMs / 1000);
  metrics.alarmPollPages.inc(r.pages);
  metrics.alarmPollDrift.inc(r.drift);
  if (r.ok) metrics.alarmsFiring.set(r.firing);
  metrics.alarmEvents.inc({ type: 'raised' }, r.raised);
  metrics.alarmEvents.inc({ type: 'updated' }, r.updated);
  metrics.alarmEvents.inc({ type: 'resolved' }, r.resolved);
  metrics.alarmCommandFailures.inc(r.failed);
}
