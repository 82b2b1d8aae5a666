import { randomBytes, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { AnalysisEngine } from '../../src/application/ports/analysis-engine.js';
import type { RecordedEvent } from '../../src/application/ports/event-store.js';
import { ALARM_CATEGORY } from '../../src/domain/alarms/alarm-events.js';
import { RedisEventStore } from '../../src/infrastructure/redis/redis-event-store.js';
import type { MetricPoint } from '../../src/domain/metric.js';
import { createShuzhihuiEngine } from '../../src/infrastructure/engines/shuzhihui/index.js';
import { spawnBridge, type BridgeProcess } from '../../bench/support/bridge-process.js';
import { startEngineSimulator, type RunningSimulator } from '../simulator/index.js';
import { writeAllowlist } from './bridge-harness.js';
import { services, uniqueSuffix } from './services.js';
import { SignedReceiver } from './signed-receiver.js';

/**
 * The whole of Flow 2 with real parts, shared by test/e2e/alarms and bench/alarms.ts: the engine simulator (in the
 * caller's process), bridge replicas as their own Node processes (`src/main.ts serve`), a webhook receiver and the
 * shared Alertmanager. Only the configuration is built here; the caller starts and stops what it needs.
 */
export const newWebhookSecret = (): string => `whsec_${randomBytes(32).toString('base64')}`;

export interface ChainOptions {
  readonly engineUrl: string;
  readonly webhookUrl: string;
  readonly secret: string;
  readonly pollIntervalMs: number;
  /** Redis key prefix shared by the fleet: one per test run. */
  readonly keyPrefix: string;
  readonly alertmanager?: boolean;
  readonly roles?: readonly string[];
  /** Delivery retries back off up to this (default 2 s, so a test sees the platform's return quickly). */
  readonly backoffMaxMs?: number;
  readonly logLevel?: string;
  /** Default: the shared local Redis. */
  readonly redisUrl?: string;
  /** The `engine` section; default: the 数智慧 simulator at `engineUrl`. */
  readonly engine?: Record<string, unknown>;
  /** Extra top-level sections (e.g. `api` keys when the fleet runs the api role). */
  readonly extra?: Record<string, unknown>;
}

/** A bridge configuration with the poll and projections roles, the webhook sink and optionally Alertmanager. */
export function chainConfig(o: ChainOptions): Record<string, unknown> {
  return {
    roles: o.roles ?? ['poll', 'projections'],
    // info: the start line is what startFleet waits for; a normal poll logs at debug, so this stays quiet.
    logLevel: o.logLevel ?? 'info',
    redis: { url: o.redisUrl ?? services.redisUrl, keyPrefix: o.keyPrefix },
    // Unused by these roles, but the configuration must name a topic and an allowlist.
    kafka: { brokers: [...services.kafkaBrokers], topic: `unused-${uniqueSuffix()}`, groupId: `g-${uniqueSuffix()}` },
    allowlist: { source: 'file', file: writeAllowlist([0]) },
    engine: o.engine ?? { baseUrl: o.engineUrl, auth: { mode: 'bearer', username: 'admin', password: 'admin123' }, timeoutMs: 5_000 },
    http: { port: 0 },
    alarms: {
      pollIntervalMs: o.pollIntervalMs,
      sinks: {
        webhook: { enabled: true, url: o.webhookUrl, secret: o.secret, source: 'urn:aiops-bridge:e2e', typePrefix: 'com.example.aiops', timeoutMs: 5_000 },
        alertmanager: { enabled: o.alertmanager ?? false, url: services.alertmanagerUrl },
      },
    },
    projections: { backoffBaseMs: 200, backoffMaxMs: o.backoffMaxMs ?? 2_000, idleMs: 100 },
    ...o.extra,
  };
}

/** Starts `n` replicas with one configuration and waits until each has started its roles. */
export async function startFleet(config: Record<string, unknown>, n: number, name = 'replica', script?: string): Promise<BridgeProcess[]> {
  const fleet = Array.from({ length: n }, (_, i) => spawnBridge(config, { name: `${name}-${i + 1}`, ...(script ? { script } : {}) }));
  await Promise.all(fleet.map((b) => b.waitForLog((l) => l.msg === 'aiops-bridge started', 60_000)));
  return fleet;
}

export async function stopFleet(fleet: readonly BridgeProcess[]): Promise<void> {
  await Promise.all(fleet.map((b) => b.stop().catch(() => undefined)));
}

/** The engine adapter, used as a user would: rules through it, data through it. */
export const engineFor = (url: string): AnalysisEngine =>
  createShuzhihuiEngine({ baseUrl: url, auth: { mode: 'bearer', username: 'admin', password: 'admin123' }, timeouts: { requestMs: 5_000 } });

/** A threshold rule (> 90, no duration) on `metric`: a point above 90 fires, a change of value updates, ≤ 90 recovers. */
export async function createThresholdRule(engine: AnalysisEngine, metric: string): Promise<string> {
  const { engineRuleId } = await engine.createRule({
    name: `e2e ${metric}`,
    metric,
    tagFilter: {},
    algorithm: { kind: 'threshold', operator: '>', value: 90, durationSeconds: 0 },
    level: 'major',
    enabled: true,
  });
  return engineRuleId;
}

/** One point per series, all at the same data time (now), in batches the engine accepts. */
export async function pushValues(engine: AnalysisEngine, metric: string, values: ReadonlyMap<string, number>): Promise<void> {
  const ts = Date.now();
  const points: MetricPoint[] = [...values].map(([host, value]) => ({ name: metric, tags: { host }, ts, value }));
  for (let i = 0; i < points.length; i += 5_000) await engine.pushMetrics(points.slice(i, i + 5_000), randomUUID());
}

/** Alertmanager's active alerts whose `metric` label is this one (a unique metric per test keeps runs apart). */
export async function alertmanagerAlerts(metric: string): Promise<Array<{ labels: Record<string, string>; status: { state: string } }>> {
  const res = await fetch(`${services.alertmanagerUrl}/api/v2/alerts?filter=${encodeURIComponent(`metric="${metric}"`)}`);
  if (!res.ok) throw new Error(`alertmanager answered ${res.status}`);
  return (await res.json()) as Array<{ labels: Record<string, string>; status: { state: string } }>;
}

/** `[from, to)` as a list of host names `h000`… (zero-padded so that their order is stable). */
export const hosts = (n: number, from = 0): string[] => Array.from({ length: n }, (_, i) => `h${String(from + i).padStart(4, '0')}`);

/** Every event on the fleet's alarm log (the truth the receiver is compared with), oldest first. */
export async function alarmLog(redis: Redis, keyPrefix: string): Promise<RecordedEvent[]> {
  // The bridge puts ':' after its configured prefix for the event store (src/main.ts).
  const store = new RedisEventStore(redis, { keyPrefix: `${keyPrefix}:` });
  const out: RecordedEvent[] = [];
  for (;;) {
    const page = await store.readCategory(ALARM_CATEGORY, { after: out.at(-1)?.position ?? null, maxCount: 1_000 });
    out.push(...page);
    if (page.length < 1_000) return out;
  }
}

/** The pid in a projection lease's owner id (`host:pid:role:uuid`), or null when nobody holds it. */
export async function leaseHolderPid(redis: Redis, keyPrefix: string, projection: string): Promise<number | null> {
  const owner = await redis.get(`${keyPrefix}:lease:${projection}`);
  return owner === null ? null : Number(owner.split(':')[1]);
}

export interface AlarmChain {
  readonly sim: RunningSimulator;
  readonly receiver: SignedReceiver;
  readonly fleet: BridgeProcess[];
  /**
   * Alarm ids of resolves the receiver accepted while the simulator still listed their engine alarm as firing:
   * checked at the moment of receipt, so a false resolve cannot hide behind a later recovery.
   */
  readonly falseResolves: string[];
  stop(): Promise<void>;
}

/**
 * What every e2e alarm test runs: the engine simulator with a threshold rule on `metric` (> 90, created through our
 * engine adapter), a receiver that verifies every signature, and `replicas` bridge processes with poll +
 * projections on `keyPrefix`.
 */
export async function startAlarmChain(o: {
  readonly metric: string;
  readonly keyPrefix: string;
  readonly replicas: number;
  readonly pollIntervalMs: number;
  readonly alertmanager?: boolean;
}): Promise<AlarmChain> {
  const secret = newWebhookSecret();
  const receiver = new SignedReceiver(secret);
  const falseResolves: string[] = [];
  const sim = await startEngineSimulator({ evaluateEveryMs: 200 });
  const webhookUrl = await receiver.start();
  receiver.onAccepted = (e) => {
    if (e.kind === 'resolved' && sim.alarms().current.some((a) => a.alarmId === e.engineAlarmId)) falseResolves.push(e.alarmId);
  };
  await createThresholdRule(engineFor(sim.url), o.metric);
  const config = chainConfig({ engineUrl: sim.url, webhookUrl, secret, pollIntervalMs: o.pollIntervalMs, keyPrefix: o.keyPrefix, alertmanager: o.alertmanager ?? false });
  const fleet = await startFleet(config, o.replicas);
  return {
    sim,
    receiver,
    fleet,
    falseResolves,
    async stop() {
      await stopFleet(fleet);
      await receiver.close();
      await sim.close();
    },
  };
}
