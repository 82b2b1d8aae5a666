import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { EngineError } from '../../../src/application/ports/engine-errors.js';
import type { MetricPoint } from '../../../src/domain/metric.js';
import { type EngineLogger, type ShuzhihuiConfig, createShuzhihuiEngine } from '../../../src/infrastructure/engines/shuzhihui/index.js';
import { startEngineSimulator } from '../../simulator/index.js';

export type SimOptions = NonNullable<Parameters<typeof startEngineSimulator>[0]>;
export const CREDENTIALS = { username: 'admin', password: 'admin123' } as const;

export interface SimReport {
  pointsReceived: number;
  distinctPoints: number;
  repeatedRequestIds: number;
  batchesAccepted: number;
  requestsTotal: number;
  logins: number;
  rejected: Partial<Record<string, number>>;
}

/** The simulator plus typed access to its test controls. */
export async function startSim(opts: SimOptions = {}) {
  const sim = await startEngineSimulator(opts);
  const control = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const res = await fetch(`${sim.url}${path}`, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${await res.text()}`);
    return res.json();
  };
  return {
    url: sim.url,
    faults: (f: Record<string, unknown>) => control('POST', '/__sim/faults', f),
    clearFaults: () => control('DELETE', '/__sim/faults'),
    report: async () => (await control('GET', '/__sim/report')) as SimReport,
    reset: () => control('POST', '/__sim/reset'),
    close: () => sim.close(),
  };
}
export type Sim = Awaited<ReturnType<typeof startSim>>;

export const engineFor = (url: string, extra: Partial<ShuzhihuiConfig> = {}, logger?: EngineLogger) =>
  createShuzhihuiEngine({ baseUrl: url, auth: { mode: 'bearer', ...CREDENTIALS }, timeouts: { requestMs: 5_000 }, ...extra }, logger);

export const points = (n: number, metric = 'it.value', tags: Record<string, string> = { host: 'it-1' }): MetricPoint[] => {
  const start = Date.now() - n;
  return Array.from({ length: n }, (_, i) => ({ name: metric, tags, ts: start + i, value: i % 100 }));
};

/** Awaits a call that must fail, and returns its EngineError (anything else fails the test). */
export async function engineErrorOf(p: Promise<unknown>): Promise<EngineError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof EngineError) return e;
    throw e;
  }
  throw new Error('expected the call to fail with an EngineError, but it succeeded');
}

/** A logger that keeps every line, to assert on what was (not) logged. */
export function memoryLogger(): EngineLogger & { lines: string[] } {
  const lines: string[] = [];
  const keep = (level: string) => (obj: object, msg: string) => {
    lines.push(`${level} ${msg} ${JSON.stringify(obj, (_k, v: unknown) => (v instanceof Error ? { ...v, message: v.message } : v))}`);
  };
  return { lines, debug: keep('debug'), info: keep('info'), warn: keep('warn'), error: keep('error') };
}

export interface SeenRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly bytes: number;
}

/**
 * A pass-through HTTP proxy that records what the adapter actually sent (headers, sizes, ids); `drop` decides
 * which requests it cuts off before they reach the engine.
 */
export async function recordingProxy(target: string) {
  const seen: SeenRequest[] = [];
  const to = new URL(target);
  const control = { drop: (_r: SeenRequest): boolean => false };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const record = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, bytes: body.length };
      seen.push(record);
      if (control.drop(record)) return req.socket.destroy();
      const up = http.request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      up.on('error', () => res.destroy());
      up.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    control,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
