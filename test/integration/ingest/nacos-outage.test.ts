import { readFile } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startBridge, type RunningBridge } from '../../../src/main.js';
import { startEngineSimulator, type RunningSimulator } from '../../simulator/index.js';
import { createTopic, produceLines, testLogger, waitFor } from '../../support/bridge-harness.js';
import { PrivateRnacos } from '../nacos/private-rnacos.js';
import {
  NACOS_GROUP, allowlistText, expectExactlyDelivered, expectedKeys, gen, http, nacosBridgeConfig, nacosWriter, newDataId, removeRedisKeys,
  scratchDir, waitActive,
} from './ingest-fixtures.js';

/**
 * Nacos is needed to change the allowlist, never to apply it: a bridge whose Nacos dies keeps filtering with
 * the version it holds, and a bridge that starts while Nacos is down uses the last version it accepted.
 * Each test has its own r-nacos (killed with SIGKILL); the shared one is never touched.
 */
const LINES = 1_000;
const scratch = scratchDir();
const prefixes: string[] = [];
const nacoses: PrivateRnacos[] = [];
const bridges: RunningBridge[] = [];
let sim: RunningSimulator;

const privateNacos = async (): Promise<PrivateRnacos> => {
  const n = new PrivateRnacos();
  nacoses.push(n);
  await n.start();
  return n;
};
const track = (b: RunningBridge): RunningBridge => (bridges.push(b), b);

beforeAll(async () => {
  sim = await startEngineSimulator({ tokenTtlSeconds: 600 });
});
afterEach(async () => {
  for (const b of bridges.splice(0)) await b.stop();
});
afterAll(async () => {
  await sim?.close();
  await Promise.all(nacoses.map((n) => n.destroy()));
  scratch.remove();
  await removeRedisKeys(prefixes);
});

describe('when Nacos dies under a running bridge', () => {
  it('keeps filtering with the version it holds, and follows Nacos again once it is back', async () => {
    const nacos = await privateNacos();
    const dataId = newDataId();
    const writer = nacosWriter(dataId, nacos.addr);
    const v1 = await writer.publish(allowlistText([0, 1]));
    const topic = await createTopic(3);
    const config = nacosBridgeConfig({ topic, engineUrl: sim.url, dataId, snapshotPath: `${scratch.dir}/${dataId}`, nacosAddr: nacos.addr });
    prefixes.push(config.redis.keyPrefix);
    const bridge = track(await startBridge(config, testLogger()));
    const g = gen(Date.UTC(2026, 10, 25, 3, 0, 0));
    const deliver = (from: number, to: number, allowed: number[]) =>
      expectExactlyDelivered({ sim, bridge, topic, groupId: config.kafka.groupId, expected: expectedKeys(g, from, to, allowed), tsFrom: g.startMs + from, tsTo: g.startMs + to });

    await produceLines(topic, g, 0, LINES, 10);
    await deliver(0, LINES, [0, 1]);

    await nacos.stop();
    await new Promise((r) => setTimeout(r, 1_000)); // the long poll has failed and is retrying
    await produceLines(topic, g, LINES, 2 * LINES, 10);
    await deliver(LINES, 2 * LINES, [0, 1]);
    expect(bridge.allowlist?.status()).toMatchObject({ activeVersion: v1, activeOrigin: `nacos:${NACOS_GROUP}/${dataId}`, rejectedTotal: 0 });
    expect((await http(bridge, '/readyz')).status).toBe(200);

    await nacos.start();
    const v2 = await writer.publish(allowlistText([2]));
    await waitActive(bridge, v2, 10_000);
    await produceLines(topic, g, 2 * LINES, 3 * LINES, 10);
    await deliver(2 * LINES, 3 * LINES, [2]);
    writer.close();
  });
});

describe('when a bridge starts while Nacos is down', () => {
  it('starts from the snapshot of the last version it accepted and filters with it', async () => {
    const nacos = await privateNacos();
    const dataId = newDataId();
    const snapshotPath = `${scratch.dir}/${dataId}/snapshot.yaml`;
    const writer = nacosWriter(dataId, nacos.addr);
    const text = allowlistText([0, 3]);
    const v1 = await writer.publish(text);
    writer.close();
    const topic = await createTopic(3);

    const first = nacosBridgeConfig({ topic, engineUrl: sim.url, dataId, snapshotPath, nacosAddr: nacos.addr });
    prefixes.push(first.redis.keyPrefix);
    const seen = await startBridge(first, testLogger());
    expect(seen.allowlist?.status().activeVersion).toBe(v1);
    await waitFor('snapshot written', async () => (await readFile(snapshotPath, 'utf8').catch(() => '')) === text, 5_000, 20);
    await seen.stop();
    await nacos.stop();

    const config = nacosBridgeConfig({ topic, engineUrl: sim.url, dataId, snapshotPath, nacosAddr: nacos.addr });
    prefixes.push(config.redis.keyPrefix);
    const bridge = track(await startBridge(config, testLogger()));
    expect(bridge.allowlist?.status()).toMatchObject({ activeVersion: v1, activeOrigin: `snapshot:${snapshotPath}` });

    const g = gen(Date.UTC(2026, 10, 25, 4, 0, 0));
    await produceLines(topic, g, 0, LINES, 10);
    await expectExactlyDelivered({
      sim, bridge, topic, groupId: config.kafka.groupId, expected: expectedKeys(g, 0, LINES, [0, 3]), tsFrom: g.startMs, tsTo: g.startMs + LINES,
    });
  });

  it('without a snapshot: refuses to start, naming Nacos, the data id and the missing snapshot', async () => {
    const nacos = await privateNacos();
    await nacos.stop();
    const dataId = newDataId();
    const snapshotPath = `${scratch.dir}/${dataId}/never-written.yaml`;
    const config = nacosBridgeConfig({ topic: await createTopic(1), engineUrl: sim.url, dataId, snapshotPath, nacosAddr: nacos.addr });
    prefixes.push(config.redis.keyPrefix);
    const started = Date.now();
    const err = await startBridge(config, testLogger()).then(
      (b) => (track(b), undefined),
      (e: unknown) => e as Error & { code?: string },
    );
    expect(err?.code).toBe('ALLOWLIST.SOURCE_UNAVAILABLE');
    expect(err?.message).toMatch(/^no allowlist: Nacos .* unreachable/);
    expect(err?.message).toContain(nacos.addr);
    expect(err?.message).toContain(dataId);
    expect(err?.message).toContain(snapshotPath);
    expect(Date.now() - started).toBeLessThan(5_000); // allowlist.nacos.requestTimeoutMs (1 s here), not a hang
  });
});
