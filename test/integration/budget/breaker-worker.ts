/**
 * One replica of the breaker test fleet, run as its own OS process by multi-process-breaker.test.ts.
 * Timeline from the shared start T (reset timeout 1 s): worker 0 trips the circuit at T; the others try a call at
 * T+300 (must be refused without touching the "engine"); from T+1400 every worker calls in a loop, where an
 * engine call takes 200 ms and fails if it starts before T+1900 (so the first probe fails, a later one succeeds).
 */
import { Redis } from 'ioredis';
import { isCircuitOpenError } from '../../../src/application/ports/engine-breaker.js';
import { EngineError } from '../../../src/application/ports/engine-errors.js';
import { createRedisSharedBreaker } from '../../../src/infrastructure/redis/redis-shared-breaker.js';
import { awaitStart, sleep } from './spawn-workers.js';

export interface BreakerWorkerConfig {
  readonly redisUrl: string;
  readonly keyPrefix: string;
  readonly role: 'tripper' | 'observer';
}

export interface BreakerWorkerRecord {
  readonly states: { at: number; state: string }[];
  readonly early?: { readonly refused: string | null; readonly touched: boolean };
  readonly calls: { start: number; end: number; ok: boolean }[];
  readonly refused: { open: number; half_open: number };
}

const config = JSON.parse(process.argv[2] ?? '{}') as BreakerWorkerConfig;
const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 1 });
const breaker = createRedisSharedBreaker(redis, {
  keyPrefix: config.keyPrefix,
  resetTimeoutMs: 1000,
  volumeThreshold: 3,
  refreshIntervalMs: 100,
  probeLeaseMs: 5000,
});
const record: { states: BreakerWorkerRecord['states']; early?: BreakerWorkerRecord['early']; calls: BreakerWorkerRecord['calls']; refused: BreakerWorkerRecord['refused'] } = {
  states: [],
  calls: [],
  refused: { open: 0, half_open: 0 },
};
breaker.onStateChange(({ state }) => record.states.push({ at: Date.now(), state }));
await breaker.refresh();

const T = await awaitStart();
if (config.role === 'tripper') {
  for (let i = 0; i < 4; i++) await breaker.run(() => Promise.reject(new EngineError('unavailable', 'down', true))).catch(() => undefined);
} else {
  await sleep(T + 300 - Date.now());
  let touched = false;
  const refused = await breaker.run(() => Promise.resolve(void (touched = true))).then(
    () => null,
    (err: unknown) => (isCircuitOpenError(err) ? err.circuit : String(err)),
  );
  record.early = { refused, touched };
}

await sleep(T + 1400 - Date.now());
const engine = async (): Promise<void> => {
  const start = Date.now();
  await sleep(200);
  const ok = start >= T + 1900;
  record.calls.push({ start, end: Date.now(), ok });
  if (!ok) throw new EngineError('server', 'still down', true);
};
while (Date.now() < T + 3600) {
  await breaker.run(engine).catch((err: unknown) => {
    if (isCircuitOpenError(err)) record.refused[err.circuit] += 1;
  });
  await sleep(25);
}
breaker.stop();
process.stdout.write(`${JSON.stringify(record)}\n`);
redis.disconnect();
