import { afterEach, describe, expect, it, vi } from 'vitest';
import { createInMemoryBreakerStore } from '../../../src/application/engine-guard/in-memory-breaker-store.js';
import { createSharedCircuitBreaker } from '../../../src/application/engine-guard/shared-circuit-breaker.js';
import { CircuitOpenError, type EngineBreaker, type SharedBreakerStore } from '../../../src/application/ports/engine-breaker.js';
import { EngineError } from '../../../src/application/ports/engine-errors.js';

const RESET_MS = 120;
const down = (): Promise<never> => Promise.reject(new EngineError('unavailable', 'connection reset', true));
const refused = (): Promise<never> => Promise.reject(new EngineError('rejected', 'bad rule', false));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const breakers: EngineBreaker[] = [];
const replica = (store: SharedBreakerStore): EngineBreaker => {
  const b = createSharedCircuitBreaker(store, { resetTimeoutMs: RESET_MS, volumeThreshold: 3, refreshIntervalMs: 0 });
  breakers.push(b);
  return b;
};
const trip = async (b: EngineBreaker): Promise<void> => {
  for (let i = 0; i < 3; i++) await b.run(down).catch(() => undefined);
};
afterEach(() => breakers.splice(0).forEach((b) => b.stop()));

describe('when closed', () => {
  it('does not trip on errors that mean the engine answered (rejected, contract)', async () => {
    const b = replica(createInMemoryBreakerStore());
    for (let i = 0; i < 10; i++) await expect(b.run(refused)).rejects.toThrow('bad rule');
    await expect(b.run(() => Promise.resolve('ok'))).resolves.toBe('ok');
    expect(b.state).toBe('closed');
  });

  it('opens for the whole fleet once failures pass the threshold', async () => {
    const store = createInMemoryBreakerStore();
    const [a, other] = [replica(store), replica(store)];
    const changes = vi.fn();
    a.onStateChange(changes);
    await trip(a);
    expect(a.state).toBe('open');
    expect(changes).toHaveBeenCalledWith(expect.objectContaining({ state: 'open', previous: 'closed' }));
    const engine = vi.fn(() => Promise.resolve('ok'));
    await expect(other.run(engine)).rejects.toBeInstanceOf(CircuitOpenError);
    await expect(a.run(engine)).rejects.toMatchObject({ circuit: 'open', retryable: true, kind: 'unavailable' });
    expect(engine).not.toHaveBeenCalled();
    expect(() => a.failFastIfOpen()).toThrow(CircuitOpenError);
    expect(await other.refresh()).toBe('open');
  });
});

describe('when the open period has ended', () => {
  it('lets one probe at a time through across replicas; its success closes the circuit for all', async () => {
    const store = createInMemoryBreakerStore();
    const replicas = [replica(store), replica(store), replica(store)];
    await trip(replicas[0]!);
    await sleep(RESET_MS + 20);
    let running = 0;
    let maxRunning = 0;
    const probe = async (): Promise<string> => {
      maxRunning = Math.max(maxRunning, ++running);
      await sleep(30);
      running--;
      return 'ok';
    };
    const results = await Promise.allSettled(replicas.map((b) => b.run(probe)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected' && r.reason instanceof CircuitOpenError && r.reason.circuit === 'half_open')).toHaveLength(2);
    expect(maxRunning).toBe(1);
    for (const b of replicas) expect(await b.refresh()).toBe('closed');
    await expect(replicas[2]!.run(() => Promise.resolve(1))).resolves.toBe(1);
  });

  it('reopens when the probe fails', async () => {
    const store = createInMemoryBreakerStore();
    const b = replica(store);
    await trip(b);
    await sleep(RESET_MS + 20);
    await expect(b.run(down)).rejects.toThrow('connection reset');
    expect(b.state).toBe('open');
    expect(await store.check()).toMatchObject({ state: 'open' });
  });

  it('closes when the probe gets an answer, even a refusal', async () => {
    const b = replica(createInMemoryBreakerStore());
    await trip(b);
    await sleep(RESET_MS + 20);
    await expect(b.run(refused)).rejects.toThrow('bad rule');
    expect(b.state).toBe('closed');
  });

  it('counts failures afresh after closing (one failure does not re-trip it)', async () => {
    const b = replica(createInMemoryBreakerStore());
    await trip(b);
    await sleep(RESET_MS + 20);
    await b.run(() => Promise.resolve('probe ok'));
    await b.run(down).catch(() => undefined);
    expect(b.state).toBe('closed');
  });
});

describe('when the probe lease holder dies', () => {
  it('lets another replica probe after the lease expires', async () => {
    const store = createInMemoryBreakerStore(50);
    const b = replica(store);
    await trip(b);
    await sleep(RESET_MS + 20);
    expect(await store.check('crashed-replica')).toMatchObject({ state: 'half_open', probe: true });
    await expect(b.run(() => Promise.resolve(1))).rejects.toMatchObject({ circuit: 'half_open' });
    await sleep(60);
    await expect(b.run(() => Promise.resolve(2))).resolves.toBe(2);
  });
});

describe('when the engine refuses us (systemic rejections)', () => {
  const badPassword = (): Promise<never> =>
    Promise.reject(new EngineError('auth', 'POST /api/auth/login: login refused: engine code 401 (invalid username or password)', false));
  const gateway403 = (): Promise<never> => Promise.reject(new EngineError('rejected', 'POST /api/v1/metrics/batch: HTTP 403', false, { status: 403 }));
  const systemic = (threshold: number, store = createInMemoryBreakerStore()): EngineBreaker => {
    const b = createSharedCircuitBreaker(store, { resetTimeoutMs: RESET_MS, volumeThreshold: 1000, refreshIntervalMs: 0, systemicThreshold: threshold });
    breakers.push(b);
    return b;
  };

  it('opens for the fleet after the configured number in a row, naming the cause', async () => {
    const store = createInMemoryBreakerStore();
    const [a, other] = [systemic(3, store), systemic(3, store)];
    const changes = vi.fn();
    a.onStateChange(changes);
    for (let i = 0; i < 2; i++) await a.run(badPassword).catch(() => undefined);
    expect(a.state).toBe('closed');
    await a.run(badPassword).catch(() => undefined);
    expect(a.state).toBe('open');
    expect(a.rejectsUs?.cause).toContain('invalid username or password');
    expect(changes).toHaveBeenCalledWith(expect.objectContaining({ state: 'open', cause: expect.stringContaining('engine rejects us') }));
    expect(await other.refresh()).toBe('open');
  });

  it('counts only failures in a row: any other answer starts the count again', async () => {
    const b = systemic(3);
    for (let i = 0; i < 10; i++) {
      await b.run(gateway403).catch(() => undefined);
      await b.run(gateway403).catch(() => undefined);
      await b.run(refused).catch(() => undefined);
    }
    expect(b.state).toBe('closed');
    expect(b.rejectsUs).toBeUndefined();
  });

  it('reopens while the probe is still refused, and forgets the cause once a probe succeeds', async () => {
    const b = systemic(2);
    for (let i = 0; i < 2; i++) await b.run(badPassword).catch(() => undefined);
    await sleep(RESET_MS + 20);
    await expect(b.run(badPassword)).rejects.toThrow('invalid username');
    expect(b.state).toBe('open');
    await sleep(RESET_MS + 20);
    await expect(b.run(() => Promise.resolve('ok'))).resolves.toBe('ok');
    expect(b.state).toBe('closed');
    expect(b.rejectsUs).toBeUndefined();
  });
});
