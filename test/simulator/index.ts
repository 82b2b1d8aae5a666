import type { AddressInfo } from 'node:net';
import type { SimReport } from './accounting.js';
import { publicAlarm, type PublicAlarm } from './alarms.js';
import { EngineState, type ResolvedOptions } from './engine-state.js';
import { mergeFaults } from './faults.js';
import { createEngineServer } from './server.js';
import { noFaults, type Faults } from './types.js';

export type { SimReport } from './accounting.js';
export type { PublicAlarm } from './alarms.js';
export type { Faults, RateLimitFault } from './types.js';
export { formatShanghai, parseShanghai } from './time-format.js';
export { maxInAnySlidingWindow } from './sliding-window.js';

export interface SimulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** How requests authenticate after login: `Authorization: Bearer` (default) or the `SZH_SESSION` cookie. */
  authMode?: 'bearer' | 'cookie';
  username?: string;
  password?: string;
  /** Default 1800, as the engine's `expiresIn`. */
  tokenTtlSeconds?: number;
  /** How often rules run over the received data; default 1000. */
  evaluateEveryMs?: number;
  /** Points kept per series for detection and trends (the exact accounting is unaffected); default 1000. */
  maxPointsPerSeries?: number;
  /** Makes fault draws reproducible; Math.random when absent. */
  randomSeed?: number;
}

/** Fault input accepted by setFaults and `POST /__sim/faults`: any subset, plus the one-shot expireTokensNow. */
export type FaultPatch = Partial<Faults> & { expireTokensNow?: boolean };

export interface RunningSimulator {
  url: string;
  port: number;
  close(): Promise<void>;
  report(): SimReport;
  /** Arrival time of every /api call of the last ten minutes, per endpoint (epoch ms, sub-ms, ascending). */
  arrivals(): Record<string, number[]>;
  /** `{ "metric|k=v,...|ts": count }`, optionally for one metric. */
  points(metric?: string): Record<string, number>;
  setFaults(patch: FaultPatch): Faults;
  clearFaults(): void;
  reset(options?: { keepRules?: boolean }): void;
  /** Runs detection now instead of waiting for the timer; returns the number of firing alarms. */
  evaluateNow(): number;
  alarms(): { current: PublicAlarm[]; history: PublicAlarm[] };
}

export const startEngineSimulator = async (opts: SimulatorOptions = {}): Promise<RunningSimulator> => {
  const options: ResolvedOptions = {
    port: opts.port ?? 0,
    host: opts.host ?? '127.0.0.1',
    authMode: opts.authMode ?? 'bearer',
    username: opts.username ?? 'admin',
    password: opts.password ?? 'admin123',
    tokenTtlSeconds: opts.tokenTtlSeconds ?? 1800,
    evaluateEveryMs: opts.evaluateEveryMs ?? 1000,
    maxPointsPerSeries: opts.maxPointsPerSeries ?? 1000,
    randomSeed: opts.randomSeed,
  };
  const state = new EngineState(options);
  const server = createEngineServer(state);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const timer = setInterval(() => state.evaluateRules(), options.evaluateEveryMs);
  timer.unref();
  const { port } = server.address() as AddressInfo;
  const hostInUrl = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${hostInUrl}:${port}`,
    port,
    close: () => new Promise<void>((resolve, reject) => {
      clearInterval(timer);
      server.close((err) => (err === undefined ? resolve() : reject(err)));
      // Keep-alive sockets of clients would otherwise hold close() open.
      server.closeAllConnections();
    }),
    report: () => state.accounting.report(),
    arrivals: () => state.accounting.arrivals(),
    points: (metric) => state.accounting.points(metric),
    setFaults: (patch) => {
      const update = mergeFaults(state.faults.faults, patch);
      if (update.kind === 'invalid') throw new Error(update.message);
      state.faults.faults = update.faults;
      if (update.expireTokensNow) state.tokens.expireAll();
      return update.faults;
    },
    clearFaults: () => { state.faults.faults = noFaults(); },
    reset: (resetOptions) => state.reset(resetOptions?.keepRules === true),
    evaluateNow: () => {
      state.evaluateRules();
      return state.alarms.current().length;
    },
    alarms: () => ({
      current: state.alarms.current().map(publicAlarm),
      history: state.alarms.history(0, Number.MAX_SAFE_INTEGER).map(publicAlarm),
    }),
  };
};
