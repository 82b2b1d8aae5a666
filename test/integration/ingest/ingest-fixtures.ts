import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { expect } from 'vitest';
import type { AppConfig } from '../../../src/infrastructure/config/config-schema.js';
import { contentMd5 } from '../../../src/infrastructure/nacos/nacos-client.js';
import { NacosAllowlistPublisher } from '../../../src/infrastructure/nacos/nacos-allowlist-publisher.js';
import type { RunningBridge } from '../../../src/main.js';
import type { RunningSimulator } from '../../simulator/index.js';
import { committedLag, kafka, testAuthHeaders, testConfig, waitFor } from '../../support/bridge-harness.js';
import { services, uniqueSuffix } from '../../support/services.js';
import { measurementName, pointKey, pointsOfLine, type GeneratorOptions } from '../../support/telegraf-generator.js';

export const NACOS_GROUP = 'AIOPS_INGEST_TEST';

/** 10 measurements, one field each: line i is `svc_00<i % 10>` and yields exactly one point. */
export const gen = (startMs: number): GeneratorOptions => ({ measurements: 10, fieldsPer: 1, hosts: 20, startMs });

/** Allowlist text passing field f0 of the given generator measurements. */
export const allowlistText = (measurements: readonly number[], note = ''): string =>
  `version: 1\nentries:\n${measurements.map((m) => `  - measurement: ${measurementName(m)}\n    fields: [f0]\n${note ? `    note: ${note}\n` : ''}`).join('')}`;

export const versionOf = (text: string): string => contentMd5(text);

/** Keys (as the simulator reports them) of the points of lines [from, to) whose measurement is allowed. */
export function expectedKeys(g: GeneratorOptions, from: number, to: number, allowed: readonly number[]): Set<string> {
  const keys = new Set<string>();
  for (let i = from; i < to; i++) if (allowed.includes(i % g.measurements)) for (const p of pointsOfLine(i, g)) keys.add(pointKey(p));
  return keys;
}

/** Scratch directory for snapshots; removed by the returned function. */
export const scratchDir = (): { dir: string; remove: () => void } => {
  const dir = mkdtempSync(join(tmpdir(), 'ingest-it-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
};

export interface NacosBridgeOptions {
  readonly topic: string;
  readonly engineUrl: string;
  readonly dataId: string;
  readonly snapshotPath: string;
  readonly nacosAddr?: string;
  readonly overrides?: Record<string, unknown>;
}

/** A test bridge (own group, Redis prefix) whose allowlist follows a Nacos data id; fast Nacos timeouts. */
export function nacosBridgeConfig(o: NacosBridgeOptions): AppConfig {
  return testConfig({
    topic: o.topic,
    engineUrl: o.engineUrl,
    allowlistFile: 'unused-with-nacos.yaml',
    overrides: {
      allowlist: {
        source: 'nacos',
        nacos: {
          serverAddr: o.nacosAddr ?? services.nacosAddr,
          group: NACOS_GROUP,
          dataId: o.dataId,
          snapshotPath: o.snapshotPath,
          requestTimeoutMs: 1_000,
          retryPauseMs: 200,
        },
      },
      ...o.overrides,
    },
  });
}

export const newDataId = (): string => `allowlist-ingest-${uniqueSuffix()}.yaml`;

/** Publishes to one Nacos data id (the publisher's Redis lock is not used by plain publishes). */
export function nacosWriter(dataId: string, nacosAddr: string = services.nacosAddr): { publish: (text: string) => Promise<string>; close: () => void } {
  const redis = new Redis(services.redisUrl, { lazyConnect: true });
  const pub = new NacosAllowlistPublisher({ serverAddr: nacosAddr, group: NACOS_GROUP, dataId, requestTimeoutMs: 2_000, redis, keyPrefix: 'unused' });
  return {
    publish: async (text) => (await pub.publishAllowlist(text)).md5,
    close: () => {
      pub.close();
      redis.disconnect();
    },
  };
}

export const waitActive = (bridge: RunningBridge, version: string, timeoutMs = 5_000): Promise<true> =>
  waitFor(`allowlist ${version} active`, async () => bridge.allowlist?.status().activeVersion === version, timeoutMs, 20);

/** GETs a path of the bridge's HTTP API. */
export async function http(bridge: RunningBridge, path: string): Promise<{ status: number; text: string }> {
  const res = await fetch(`http://127.0.0.1:${bridge.httpPort}${path}`, { headers: testAuthHeaders });
  return { status: res.status, text: await res.text() };
}

/** The value of one Prometheus sample in /metrics text (`name{labels}` as written), or undefined. */
export function sample(metricsText: string, series: string): number | undefined {
  const line = metricsText.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/**
 * Waits until the group has committed every message of the topic, the forward queue is empty and the engine
 * holds `expected.size` points of the time range, then checks that it holds exactly those.
 */
export async function expectExactlyDelivered(
  o: { sim: RunningSimulator; bridge: RunningBridge; topic: string; groupId: string; expected: Set<string>; tsFrom: number; tsTo: number },
  timeoutMs = 30_000,
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await waitFor('everything committed', async () => (await committedLag(admin, o.topic, o.groupId)) === 0, timeoutMs, 100);
  } finally {
    await admin.disconnect();
  }
  const inRange = (): string[] =>
    Object.keys(o.sim.points()).filter((k) => {
      const ts = Number(k.slice(k.lastIndexOf('|') + 1));
      return ts >= o.tsFrom && ts < o.tsTo;
    });
  await waitFor(`${o.expected.size} points at the engine`, async () => inRange().length >= o.expected.size, timeoutMs, 100);
  // Committed means enqueued: wait for the queue to drain so that a late unexpected point would show.
  await waitFor('forward queue drained', async () => {
    const s = JSON.parse((await http(o.bridge, '/api/v1/status')).text) as { forwardBacklog: { waiting: number; active: number; delayed: number } };
    return s.forwardBacklog.waiting + s.forwardBacklog.active + s.forwardBacklog.delayed === 0;
  }, timeoutMs, 100);
  const received = inRange();
  expect(received.filter((k) => !o.expected.has(k))).toEqual([]);
  const got = new Set(received);
  expect([...o.expected].filter((k) => !got.has(k))).toEqual([]);
}

/** Deletes every Redis key of the given test prefixes (BullMQ queues, catalog, quarantine). */
export async function removeRedisKeys(prefixes: readonly string[]): Promise<void> {
  const redis = new Redis(services.redisUrl, { lazyConnect: false, maxRetriesPerRequest: 2 });
  try {
    for (const prefix of prefixes) {
      for await (const keys of redis.scanStream({ match: `*${prefix}*`, count: 1000 })) {
        if ((keys as string[]).length) await redis.del(...(keys as string[]));
      }
    }
  } finally {
    redis.disconnect();
  }
}
