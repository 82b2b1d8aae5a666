/**
 * Forwarding benchmark: three bridge processes (role forward) drain a backlog of 1,000,000 metrics (200 jobs ×
 * 5,000 points, enqueued up front) into the engine simulator under the fleet-wide cap of 100 calls/s.
 * Run: `npx tsx bench/forward.ts [--jobs 200] [--points 5000] [--processes 3] [--cap 100]`.
 * Starts what it needs (Redis via deploy/local/services.sh, the simulator in this process, the bridges as child
 * processes). The clock runs from the moment the paused, fully enqueued queue is resumed with every bridge up,
 * until the simulator holds every point. The last line printed is one JSON object: `max_calls_in_any_1s` is the
 * simulator's most calls in any sliding 1,000 ms (the figure the cap is judged by; `max_calls_per_s` counts
 * wall-clock seconds only), `cap_utilisation` the calls after the first over what the cap allows between the first
 * and the last arrival. Flags: `--jobs 200 --points 5000 --processes 3 --cap 100 [--gzip-level 1-9]` (default: the config's).
 */
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { startEngineSimulator } from '../test/simulator/index.js';
import { cpuSecondsOf, treeCpuSecondsOf } from './support/bridge-process.js';
import { services, uniqueSuffix } from '../test/support/services.js';
import { Redis } from 'ioredis';
import {
  allArrivals,
  capUtilisation,
  forwardFleetEnv,
  dropKeys,
  enqueueBacklog,
  newForwardQueue,
  requestsPerSecond,
  root,
  sleep,
  spawnBridge,
  tightestSpan,
  type BridgeProcess,
} from '../test/integration/forwarding/forwarding-harness.js';

const { values: args } = parseArgs({
  options: {
    jobs: { type: 'string', default: '200' },
    points: { type: 'string', default: '5000' },
    processes: { type: 'string', default: '3' },
    cap: { type: 'string', default: '100' },
    'timeout-s': { type: 'string', default: '600' },
    'gzip-level': { type: 'string', default: '' },
  },
});
const JOBS = Number(args.jobs);
const POINTS = Number(args.points);
const PROCESSES = Number(args.processes);
const CAP = Number(args.cap);
const TIMEOUT_MS = Number(args['timeout-s']) * 1000;
const EXPECTED = JOBS * POINTS;

const log = (msg: string): void => console.log(`[bench:forward] ${msg}`);

execFileSync('bash', [`${root}deploy/local/services.sh`, 'up', 'redis'], { stdio: 'inherit' });

const sim = await startEngineSimulator({ tokenTtlSeconds: 1800, evaluateEveryMs: 5_000 });
const prefix = `bench-${uniqueSuffix()}`;
const queue = newForwardQueue(prefix);
const fleet: BridgeProcess[] = [];
let exitCode = 0;

const cleanup = async (): Promise<void> => {
  await Promise.all(fleet.map((p) => p.stop().catch(() => null)));
  await queue.close().catch(() => undefined);
  await sim.close().catch(() => undefined);
  await dropKeys(prefix).catch(() => undefined);
};
process.once('SIGINT', () => void cleanup().finally(() => process.exit(130)));

try {
  // Paused while filling, so no bridge starts before the whole backlog is there and the clock is fair.
  await queue.queue.pause();
  let t = performance.now();
  await enqueueBacklog(queue, JOBS, POINTS, Date.UTC(2026, 4, 1), 10);
  log(`enqueued ${JOBS} jobs × ${POINTS} points in ${((performance.now() - t) / 1000).toFixed(1)} s`);

  const env = forwardFleetEnv(prefix, sim.url, CAP, { BATCH__MAXPOINTS: POINTS, ...(args['gzip-level'] ? { ENGINE__GZIPLEVEL: args['gzip-level'] } : {}) });
  fleet.push(...(await Promise.all(Array.from({ length: PROCESSES }, () => spawnBridge(['serve'], env, { readyTimeoutMs: 60_000 })))));
  log(`${PROCESSES} bridge processes up`);

  // Who spends the drain's CPU: the bridges (with their tsx parent), this process (the simulator: gunzip, parse,
  // exact accounting of every point) and Redis.
  const pids = fleet.map((p) => p.child.pid ?? -1);
  const probe = new Redis(services.redisUrl);
  const redisPid = Number(/process_id:(\d+)/.exec(await probe.info('server'))?.[1] ?? -1);
  probe.disconnect();
  const cpu0 = { bridges: pids.reduce((n, pid) => n + treeCpuSecondsOf(pid), 0), sim: process.cpuUsage(), redis: cpuSecondsOf(redisPid) };
  t = performance.now();
  await queue.queue.resume();
  const startSecond = Math.floor(Date.now() / 1000);
  let lastLog = t;
  while (sim.report().distinctPoints < EXPECTED && performance.now() - t < TIMEOUT_MS) {
    await sleep(50);
    if (performance.now() - lastLog > 1_000) {
      lastLog = performance.now();
      const r = sim.report();
      log(`${((lastLog - t) / 1000).toFixed(1)} s: ${r.distinctPoints} distinct, ${r.batchesAccepted} batches`);
    }
  }
  const drainS = (performance.now() - t) / 1000;
  const simCpu = process.cpuUsage(cpu0.sim);
  const cpuS = {
    bridges: Number((pids.reduce((n, pid) => n + treeCpuSecondsOf(pid), 0) - cpu0.bridges).toFixed(2)),
    simulator: Number(((simCpu.user + simCpu.system) / 1e6).toFixed(2)),
    redis: Number((cpuSecondsOf(redisPid) - cpu0.redis).toFixed(2)),
  };
  const report = sim.report();
  const perSecond = [...requestsPerSecond(report)].filter(([s]) => s >= startSecond).sort(([a], [b]) => a - b);
  log(`calls per second: ${perSecond.map(([, n]) => n).join(' ')}`);
  log(`rejected: ${JSON.stringify(report.rejected)}, logins ${report.logins}, batches ${report.batchesAccepted}`);
  const arrivals = allArrivals(sim.arrivals());
  log(`tightest span of ${CAP + 1} calls: ${tightestSpan(arrivals, CAP).toFixed(1)} ms (the cap holds while ≥ 1000)`);
  const lost = EXPECTED - report.distinctPoints;
  if (lost > 0) exitCode = 1;
  console.log(
    JSON.stringify({
      bench: 'forward',
      max_calls_per_s: report.maxRequestsPerSecond,
      max_calls_in_any_1s: report.maxCallsInAnySlidingSecond,
      cap: CAP,
      cap_utilisation: Number(capUtilisation(arrivals, CAP).toFixed(3)),
      lost,
      dup_ratio: report.distinctPoints === 0 ? 0 : Number(((report.pointsReceived - report.distinctPoints) / report.distinctPoints).toFixed(6)),
      drain_s: Number(drainS.toFixed(2)),
      cpu_s: cpuS,
    }),
  );
} catch (err) {
  console.error(err);
  exitCode = 1;
} finally {
  await cleanup();
}
process.exit(exitCode);
