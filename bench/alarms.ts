// `npm run bench -- alarms [--alarms 1000] [--minutes 5] [--poll-ms 10000] [--replicas 3]`: Flow 2 end to end.
// The engine simulator raises and resolves `alarms` alarms over `minutes` (one series each, a threshold rule, each
// series breaching once at a staggered time, its value changing half-way, then recovering); `replicas` bridge
// processes (poll + projections, compiled as deployed) on a private redis-server deliver them to a webhook
// receiver that verifies every signature. Latency: the engine's creation of an alarm (wall clock, from
// /__sim/alarms `createdAtMs`) → the receiver's receipt of its `raised`. Prints one JSON line.
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import {
  alarmLog, chainConfig, createThresholdRule, engineFor, hosts, newWebhookSecret, pushValues, startFleet, stopFleet,
} from '../test/support/alarm-chain.js';
import { outOfOrder, SignedReceiver, type ReceivedAlarmEvent } from '../test/support/signed-receiver.js';
import { startEngineSimulator } from '../test/simulator/index.js';
import { buildBridge, sleep } from './support/bridge-process.js';
import { startPrivateRedis } from './support/private-redis.js';

const { values: args } = parseArgs({
  options: {
    alarms: { type: 'string', default: '1000' },
    minutes: { type: 'string', default: '5' },
    'poll-ms': { type: 'string', default: '10000' },
    replicas: { type: 'string', default: '3' },
  },
});
const ALARMS = Number(args.alarms);
const RUN_MS = Number(args.minutes) * 60_000;
const POLL_MS = Number(args['poll-ms']);
const REPLICAS = Number(args.replicas);
const PUSH_EVERY_MS = 1_000;
const now = (): number => performance.timeOrigin + performance.now();
const note = (msg: string): boolean => process.stderr.write(`[bench alarms] ${msg}\n`);

/** Series i breaches during [start, end) of the run, its value 95 then 97 (an update), else 50. */
const series = hosts(ALARMS).map((host, i) => {
  const start = (i / ALARMS) * RUN_MS * 0.7;
  // Breaches last 20 s to a fifth of the run, spread by a fixed stride so neighbours differ.
  const hold = 20_000 + (((i * 7919) % 1000) / 1000) * Math.max(0, RUN_MS * 0.2 - 20_000);
  // Every breach ends before the run does, so every alarm raised is also resolved within it.
  return { host, start, end: Math.min(start + hold, RUN_MS * 0.95), recoveryPushedAt: 0 };
});
const valueAt = (s: (typeof series)[number], t: number): number =>
  t < s.start || t >= s.end ? 50 : t < (s.start + s.end) / 2 ? 95 : 97;

const quantile = (sorted: readonly number[], q: number): number =>
  sorted.length === 0 ? NaN : (sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number);

const redisServer = await startPrivateRedis(fileURLToPath(new URL('../deploy/local/redis.conf', import.meta.url)));
const redis = new Redis(redisServer.url);
const sim = await startEngineSimulator({ evaluateEveryMs: 500, maxPointsPerSeries: 50 });
const secret = newWebhookSecret();
const receiver = new SignedReceiver(secret);
const falseResolves: ReceivedAlarmEvent[] = [];
const metric = 'bench.cpu';
let fleet: Awaited<ReturnType<typeof startFleet>> = [];
try {
  const webhookUrl = await receiver.start();
  const engineAlarmsFiring = new Set<string>();
  receiver.onAccepted = (e) => {
    if (e.kind !== 'resolved') return;
    // The engine's own list at the moment of receipt: a resolve for an alarm it still fires is false.
    engineAlarmsFiring.clear();
    for (const a of sim.alarms().current) engineAlarmsFiring.add(a.alarmId);
    if (e.engineAlarmId !== null && engineAlarmsFiring.has(e.engineAlarmId)) falseResolves.push(e);
  };
  const engine = engineFor(sim.url);
  await createThresholdRule(engine, metric);
  const script = buildBridge();
  const config = chainConfig({
    engineUrl: sim.url, webhookUrl, secret, pollIntervalMs: POLL_MS, keyPrefix: 'bench-alarms', redisUrl: redisServer.url, backoffMaxMs: 5_000,
  });
  fleet = await startFleet(config, REPLICAS, 'replica', script);
  note(`${REPLICAS} replicas up; ${ALARMS} alarms over ${RUN_MS / 60_000} min, poll every ${POLL_MS} ms`);

  const t0 = now();
  for (let tick = 0; ; tick++) {
    const t = now() - t0;
    if (t > RUN_MS) break;
    for (const s of series) if (s.recoveryPushedAt === 0 && t >= s.end) s.recoveryPushedAt = now();
    await pushValues(engine, metric, new Map(series.map((s) => [s.host, valueAt(s, t)])));
    if (tick % 30 === 0) note(`t=${Math.round(t / 1000)} s: firing ${sim.alarms().current.length}, received ${receiver.accepted.length} events`);
    await sleep(Math.max(0, t0 + (tick + 1) * PUSH_EVERY_MS - now()));
  }
  for (const s of series) if (s.recoveryPushedAt === 0) s.recoveryPushedAt = now();
  await pushValues(engine, metric, new Map(series.map((s) => [s.host, 50])));
  // Drain: every alarm the engine raised resolved and its resolve received (or give up after a while).
  const drainUntil = Date.now() + 3 * POLL_MS + 60_000;
  const resolvedReceived = (): number => receiver.accepted.filter((e) => e.kind === 'resolved').length;
  while (Date.now() < drainUntil && (sim.alarms().current.length > 0 || resolvedReceived() < sim.alarms().history.length)) await sleep(500);

  const engineAlarms = sim.alarms().history;
  const byEngineId = new Map<string, ReceivedAlarmEvent[]>();
  for (const e of receiver.accepted) if (e.engineAlarmId) byEngineId.set(e.engineAlarmId, [...(byEngineId.get(e.engineAlarmId) ?? []), e]);
  const latencies: number[] = [];
  const resolveLatencies: number[] = [];
  let lost = 0;
  for (const a of engineAlarms) {
    const got = byEngineId.get(a.alarmId) ?? [];
    const raised = got.find((e) => e.kind === 'raised');
    const resolved = got.find((e) => e.kind === 'resolved');
    if (!raised || (a.status === 'RECOVERED' && !resolved)) lost++;
    if (raised) latencies.push(raised.receivedAtMs - a.createdAtMs);
    const s = series.find((x) => x.host === a.tags.host);
    if (resolved && s?.recoveryPushedAt) resolveLatencies.push(resolved.receivedAtMs - s.recoveryPushedAt);
  }
  latencies.sort((a, b) => a - b);
  resolveLatencies.sort((a, b) => a - b);
  const log = await alarmLog(redis, 'bench-alarms');
  const received = new Set(receiver.accepted.map((e) => e.id));
  const p99 = Math.round(quantile(latencies, 0.99));
  console.log(JSON.stringify({
    bench: 'alarms',
    p50_ms: Math.round(quantile(latencies, 0.5)),
    p99_ms: p99,
    lost,
    out_of_order: outOfOrder(receiver.byAlarm()).length,
    false_resolves: falseResolves.length,
    alarms_raised: engineAlarms.length,
    alarms_resolved: engineAlarms.filter((a) => a.status === 'RECOVERED').length,
    events_delivered: receiver.accepted.length,
    log_events_not_delivered: log.filter((e) => !received.has(e.id)).length,
    duplicates: receiver.duplicates,
    invalid_signatures: receiver.invalid.length,
    max_ms: Math.round(latencies.at(-1) ?? NaN),
    resolve_p50_ms: Math.round(quantile(resolveLatencies, 0.5)),
    resolve_p99_ms: Math.round(quantile(resolveLatencies, 0.99)),
    replicas: REPLICAS,
    minutes: RUN_MS / 60_000,
    poll_ms: POLL_MS,
    target_p99_ms: POLL_MS + 1_000,
    met: p99 <= POLL_MS + 1_000,
  }));
} finally {
  await stopFleet(fleet);
  await receiver.close();
  await sim.close();
  redis.disconnect();
  await redisServer.stop();
}
