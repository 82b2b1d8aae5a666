import { randomUUID } from 'node:crypto';
import type { AlarmEvent, AlarmView } from '../../src/domain/alarms/alarm-events.js';

/**
 * Realistic alarm events for event-store benchmarks: the whole AlarmView on every event, as the Alarm aggregate
 * records it (a 64-hex fingerprint id, engine id, rule, metric, 4 tags, summary text), with poll metadata.
 */
const LEVELS = ['critical', 'major', 'minor', 'warning'] as const;
const METRICS = ['cpu.usage_idle', 'mem.used_percent', 'disk.used_percent', 'net.err_in', 'app.latency_p99_ms'];

const fingerprint = (n: number): string => (n.toString(16).padStart(8, '0') + 'a1b2c3d4e5f60718').repeat(3).slice(0, 64);

export const alarmView = (n: number, status: 'firing' | 'resolved', value: number): AlarmView => {
  const metric = METRICS[n % METRICS.length]!;
  const startsAt = new Date(Date.UTC(2026, 11, 1, 0, 0, 0) + n * 1000).toISOString();
  return {
    id: fingerprint(n),
    engineAlarmId: `ALM-${(100000 + n).toString()}`,
    ruleId: `rule-${n % 200}`,
    ruleName: `${metric} above threshold on production hosts`,
    metric,
    tags: { host: `host-${(n % 5000).toString().padStart(4, '0')}.prod.example`, region: `cn-east-${n % 3}`, service: `svc-${n % 40}`, env: 'prod' },
    severity: LEVELS[n % 4]!,
    status,
    value,
    summary: `${metric} = ${value} breached threshold 90 for 3 consecutive points on host-${n % 5000}`,
    startsAt,
    lastSeenAt: startsAt,
    resolvedAt: status === 'resolved' ? startsAt : null,
  };
};

/** The three events of one alarm's life: raised, updated (value), resolved (engine recovered). */
export const alarmLife = (n: number): AlarmEvent[] => [
  { type: 'AlarmRaised', data: { alarm: alarmView(n, 'firing', 91.5) } },
  { type: 'AlarmUpdated', data: { alarm: alarmView(n, 'firing', 97.25), changed: ['value'] } },
  { type: 'AlarmResolved', data: { alarm: alarmView(n, 'resolved', 42), reason: 'engine_recovered' } },
];

export const pollMetadata = (): { correlationId: string; causationId: string; pollId: string } => {
  const pollId = randomUUID();
  return { correlationId: pollId, causationId: randomUUID(), pollId };
};
