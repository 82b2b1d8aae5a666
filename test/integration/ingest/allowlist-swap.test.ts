import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startBridge, type RunningBridge } from '../../../src/main.js';
import { startEngineSimulator, type RunningSimulator } from '../../simulator/index.js';
import { createTopic, produceLines, testLogger, waitFor } from '../../support/bridge-harness.js';
import {
  NACOS_GROUP, allowlistText, expectExactlyDelivered, expectedKeys, gen, http, nacosBridgeConfig, nacosWriter, newDataId, removeRedisKeys,
  sample, scratchDir, versionOf, waitActive,
} from './ingest-fixtures.js';

/**
 * A running bridge follows its allowlist in Nacos: a new version is swapped in without a restart and governs
 * the very next messages; an invalid one is refused and the previous version keeps filtering.
 */
const LINES = 1_000; // per phase; 10 per Kafka message
const scratch = scratchDir();
const prefixes: string[] = [];
let sim: RunningSimulator;
let bridge: RunningBridge | undefined;
let writer: ReturnType<typeof nacosWriter> | undefined;

beforeAll(async () => {
  sim = await startEngineSimulator({ tokenTtlSeconds: 600 });
});
afterEach(async () => {
  await bridge?.stop();
  bridge = undefined;
  writer?.close();
  writer = undefined;
});
afterAll(async () => {
  await sim?.close();
  scratch.remove();
  await removeRedisKeys(prefixes);
});

async function startFollowing(firstAllowlist: string) {
  const dataId = newDataId();
  writer = nacosWriter(dataId);
  const v1 = await writer.publish(firstAllowlist);
  const topic = await createTopic(3);
  const config = nacosBridgeConfig({ topic, engineUrl: sim.url, dataId, snapshotPath: `${scratch.dir}/${dataId}` });
  prefixes.push(config.redis.keyPrefix);
  bridge = await startBridge(config, testLogger());
  expect(bridge.allowlist?.status()).toMatchObject({ activeVersion: v1, activeOrigin: `nacos:${NACOS_GROUP}/${dataId}` });
  return { dataId, topic, groupId: config.kafka.groupId, v1, writer, bridge };
}

describe('a new allowlist version published to Nacos', () => {
  it('is swapped into the running consumer: the newly allowed metric flows, the dropped one stops', async () => {
    const g = gen(Date.UTC(2026, 10, 25, 1, 0, 0));
    const { topic, groupId, writer, bridge } = await startFollowing(allowlistText([0, 1]));

    await produceLines(topic, g, 0, LINES, 10);
    await expectExactlyDelivered({ sim, bridge, topic, groupId, expected: expectedKeys(g, 0, LINES, [0, 1]), tsFrom: g.startMs, tsTo: g.startMs + LINES });

    const published = Date.now();
    const v2 = await writer.publish(allowlistText([0, 2]));
    await waitActive(bridge, v2);
    const swapMs = Date.now() - published;
    expect(swapMs).toBeLessThan(2_000); // pushed by the long poll, not found by a 30-s re-poll

    await produceLines(topic, g, LINES, 2 * LINES, 10);
    // svc_002 (new in v2) arrives, svc_001 (only in v1) does not: exactly the v2 points of the second phase.
    await expectExactlyDelivered({
      sim, bridge, topic, groupId, expected: expectedKeys(g, LINES, 2 * LINES, [0, 2]), tsFrom: g.startMs + LINES, tsTo: g.startMs + 2 * LINES,
    });
    const metrics = (await http(bridge, '/metrics')).text;
    expect(metrics).toContain(`aiops_allowlist_info{version="${v2}",origin="nacos:${NACOS_GROUP}/`);
    expect(metrics).not.toContain(`version="${versionOf(allowlistText([0, 1]))}"`);
  });
});

describe('an invalid allowlist version published to Nacos', () => {
  it('is rejected with its errors and the previous version keeps filtering', async () => {
    const g = gen(Date.UTC(2026, 10, 25, 2, 0, 0));
    const { topic, groupId, writer, bridge, v1 } = await startFollowing(allowlistText([0, 1]));

    const badYaml = 'version: 1\nentries:\n  - measurement: svc_002\n    fields: [f0\n';
    const badSchema = 'version: 1\nentries:\n  - measurment: svc_003\n';
    await writer.publish(badYaml);
    await waitFor('bad YAML rejected', async () => bridge.allowlist?.status().lastRejected?.version === versionOf(badYaml), 5_000, 20);
    expect(bridge.allowlist?.status()).toMatchObject({
      activeVersion: v1,
      rejectedTotal: 1,
      lastRejected: { errors: [expect.objectContaining({ path: '(yaml)', message: expect.stringMatching(/line \d+/) })] },
    });
    await writer.publish(badSchema);
    await waitFor('bad schema rejected', async () => bridge.allowlist?.status().lastRejected?.version === versionOf(badSchema), 5_000, 20);
    expect(bridge.allowlist?.status().lastRejected?.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'entries[0].measurment' })]));
    expect(bridge.allowlist?.status()).toMatchObject({ activeVersion: v1, rejectedTotal: 2 });
    expect(sample((await http(bridge, '/metrics')).text, 'aiops_allowlist_rejected_total')).toBe(2);
    const status = JSON.parse((await http(bridge, '/api/v1/status')).text) as { allowlist: { activeVersion: string; lastRejected: { version: string } } };
    expect(status.allowlist).toMatchObject({ activeVersion: v1, lastRejected: { version: versionOf(badSchema) } });

    // Traffic after the rejections is filtered with v1: svc_000 and svc_001, nothing of svc_002 / svc_003.
    await produceLines(topic, g, 0, LINES, 10);
    await expectExactlyDelivered({ sim, bridge, topic, groupId, expected: expectedKeys(g, 0, LINES, [0, 1]), tsFrom: g.startMs, tsTo: g.startMs + LINES });

    // And the bridge still follows Nacos: the next valid version is applied.
    const v3 = await writer.publish(allowlistText([4]));
    await waitActive(bridge, v3);
  });
});
