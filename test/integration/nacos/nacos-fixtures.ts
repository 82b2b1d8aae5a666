import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { AllowlistDocument } from '../../../src/application/ports/allowlist-source.js';
import { NacosAllowlistPublisher, type NacosAllowlistPublisherOptions } from '../../../src/infrastructure/nacos/nacos-allowlist-publisher.js';
import { NacosAllowlistSource } from '../../../src/infrastructure/nacos/nacos-allowlist-source.js';
import { services, uniqueSuffix } from '../../support/services.js';
import type { Redis } from 'ioredis';

export const group = 'AIOPS_TEST';
export const silent = pino({ level: 'silent' });
export const allowlist = (n: number): string => `version: 1\nmetrics:\n  - cpu.usage_${n}\n`;

export const newDataId = (): string => `metrics-allowlist-${uniqueSuffix()}.yaml`;
let snapshots: string | undefined;
export const newSnapshotPath = (): string =>
  join((snapshots ??= mkdtempSync(join(tmpdir(), 'allowlist-snap-'))), uniqueSuffix(), 'allowlist.yaml');
export const removeSnapshots = (): void => {
  if (snapshots) rmSync(snapshots, { recursive: true, force: true });
};

export const source = (dataId: string, snapshotPath: string, serverAddr: string = services.nacosAddr): NacosAllowlistSource =>
  new NacosAllowlistSource({ serverAddr, group, dataId, snapshotPath, requestTimeoutMs: 1000, retryPauseMs: 200, log: silent });

export const publisher = (dataId: string, redis: Redis, keyPrefix: string, more: Partial<NacosAllowlistPublisherOptions> = {}): NacosAllowlistPublisher =>
  new NacosAllowlistPublisher({ serverAddr: services.nacosAddr, group, dataId, requestTimeoutMs: 2000, redis, keyPrefix, ...more });

/** Collects onChange calls; `waitFor` resolves with the ms it waited once a doc with that text has arrived. */
export const changes = (): { onChange: (doc: AllowlistDocument) => void; docs: AllowlistDocument[]; waitFor: (text: string, ms: number) => Promise<number> } => {
  const docs: AllowlistDocument[] = [];
  const waitFor = async (text: string, ms: number): Promise<number> => {
    const started = Date.now();
    while (Date.now() - started < ms) {
      if (docs.some((d) => d.text === text)) return Date.now() - started;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`no change to ${JSON.stringify(text)} within ${ms} ms; got ${JSON.stringify(docs.map((d) => d.text))}`);
  };
  return { onChange: (doc) => docs.push(doc), docs, waitFor };
};
