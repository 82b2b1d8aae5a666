import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { startBridge, type RunningBridge } from '../../../src/main.js';
import type { AppConfig } from '../../../src/infrastructure/config/config-schema.js';
import { startEngineSimulator, type RunningSimulator } from '../../simulator/index.js';
import { testConfig, testLogger, writeAllowlist } from '../../support/bridge-harness.js';

/** Keys of the test fleet: one per scope. `admin` is given by hash only, as production config would. */
export const KEYS = {
  reader: 'reader-key-0123456789abcdef',
  writer: 'writer-key-0123456789abcdef',
  admin: 'admin-key-0123456789abcdefgh',
} as const;
export const sha256Hex = (s: string): string => createHash('sha256').update(s).digest('hex');

export interface ApiUnderTest {
  readonly url: string;
  readonly bridge: RunningBridge;
  readonly sim: RunningSimulator;
  readonly config: AppConfig;
  call(method: string, path: string, opts?: CallOptions): Promise<Reply>;
  close(): Promise<void>;
}

export interface CallOptions {
  readonly key?: string | null;
  readonly body?: unknown;
  readonly contentType?: string;
  readonly headers?: Record<string, string>;
}

export interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly json: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- test replies are inspected freely
}

/**
 * A bridge running only the api role (response validation on: every answer in these tests is checked against
 * docs/openapi.yaml, a mismatch becomes a 500) against a fresh engine simulator and a random Redis prefix.
 */
export async function startApi(
  overrides: Record<string, unknown> = {},
  simOptions: Parameters<typeof startEngineSimulator>[0] = {},
  log: Logger = testLogger(),
): Promise<ApiUnderTest> {
  const sim = await startEngineSimulator({ tokenTtlSeconds: 600, ...simOptions });
  const base = testConfig({ topic: 'unused', engineUrl: sim.url, allowlistFile: writeAllowlist([0, 1]) });
  const api = (overrides.api ?? {}) as Record<string, unknown>;
  const config = testConfig({
    topic: 'unused',
    engineUrl: sim.url,
    allowlistFile: base.allowlist.file,
    overrides: {
      roles: ['api'],
      redis: base.redis,
      ...overrides,
      engine: { ...base.engine, ...(overrides.engine as object | undefined) },
      api: {
        validateResponses: true,
        keys: [
          { name: 'reader', key: KEYS.reader, scopes: ['read'] },
          { name: 'writer', key: KEYS.writer, scopes: ['write'] },
          { name: 'admin', keyHash: sha256Hex(KEYS.admin), scopes: ['admin'] },
        ],
        ...api,
      },
    },
  });
  const bridge = await startBridge(config, log);
  const url = `http://127.0.0.1:${bridge.httpPort}`;
  const call = async (method: string, path: string, o: CallOptions = {}): Promise<Reply> => {
    const headers: Record<string, string> = { ...o.headers };
    const key = o.key === undefined ? KEYS.admin : o.key;
    if (key !== null) headers.authorization = `Bearer ${key}`;
    let body: string | undefined;
    if (o.body !== undefined) {
      headers['content-type'] = o.contentType ?? 'application/json';
      body = typeof o.body === 'string' ? o.body : JSON.stringify(o.body);
    }
    const res = await fetch(`${url}${path}`, { method, headers, ...(body !== undefined && { body }) });
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, text, json };
  };
  return {
    url,
    bridge,
    sim,
    config,
    call,
    close: async () => {
      await bridge.stop();
      await sim.close();
    },
  };
}
