import { readFile } from 'node:fs/promises';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { writeSnapshot } from '../../../src/infrastructure/nacos/allowlist-snapshot.js';
import { contentMd5 } from '../../../src/infrastructure/nacos/nacos-client.js';
import { NacosAllowlistSource } from '../../../src/infrastructure/nacos/nacos-allowlist-source.js';
import { redisForTest } from '../../support/redis-test.js';
import { allowlist, changes, group, newDataId, newSnapshotPath, publisher, removeSnapshots, silent, source } from './nacos-fixtures.js';
import { PrivateRnacos } from './private-rnacos.js';

const { redis, prefix, cleanup } = redisForTest('nacos-source');
const started: NacosAllowlistSource[] = [];
const track = (s: NacosAllowlistSource): NacosAllowlistSource => (started.push(s), s);
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.stop()));
});
afterAll(async () => {
  removeSnapshots();
  await cleanup();
});

describe('when the config exists in Nacos', () => {
  it('starts with it and delivers a new version within a second', async () => {
    const dataId = newDataId();
    const pub = publisher(dataId, redis, prefix);
    await pub.publishAllowlist(allowlist(1));
    const seen = changes();
    const src = track(source(dataId, newSnapshotPath()));

    const doc = await src.start(seen.onChange);
    expect(doc).toEqual({ text: allowlist(1), version: contentMd5(allowlist(1)), origin: `nacos:${group}/${dataId}` });

    await pub.publishAllowlist(allowlist(2));
    expect(await seen.waitFor(allowlist(2), 3000)).toBeLessThan(1000);
    await pub.publishAllowlist(allowlist(2)); // the same text again is not a new version
    await new Promise((r) => setTimeout(r, 300));
    expect(seen.docs.map((d) => d.text)).toEqual([allowlist(2)]);
    pub.close();
  });
});

describe('when the config does not exist in Nacos', () => {
  it('without a snapshot: rejects, naming the data id', async () => {
    const dataId = newDataId();
    await expect(track(source(dataId, newSnapshotPath())).start(() => {})).rejects.toMatchObject({
      code: 'ALLOWLIST.MISSING',
      message: expect.stringContaining(dataId),
    });
  });

  it('with a snapshot: starts from the snapshot rather than an empty allowlist', async () => {
    const snapshotPath = newSnapshotPath();
    await writeSnapshot(snapshotPath, allowlist(7));
    expect(await track(source(newDataId(), snapshotPath)).start(() => {})).toMatchObject({
      text: allowlist(7), origin: `snapshot:${snapshotPath}`,
    });
  });
});

describe('when Nacos is unreachable', () => {
  const nacos = new PrivateRnacos();
  afterAll(() => nacos.destroy());

  it('without a snapshot: rejects naming the server and data id, never the password', async () => {
    const dataId = newDataId();
    const src = new NacosAllowlistSource({
      serverAddr: nacos.addr, group, dataId, snapshotPath: newSnapshotPath(), requestTimeoutMs: 500, retryPauseMs: 100,
      username: 'bridge', password: 'pa55-secret', log: silent,
    });
    const err = await track(src).start(() => {}).then(() => undefined, (e: Error) => e);
    expect(err).toMatchObject({ code: 'ALLOWLIST.SOURCE_UNAVAILABLE', retryable: true });
    expect(err?.message).toContain(nacos.addr);
    expect(err?.message).toContain(dataId);
    expect(err?.message).not.toContain('pa55-secret');
  });

  it('keeps following: a restart from the snapshot still gets the versions published after Nacos returns', async () => {
    await nacos.start();
    const dataId = newDataId();
    const snapshotPath = newSnapshotPath();
    const pub = publisher(dataId, redis, prefix, { serverAddr: nacos.addr });
    await pub.publishAllowlist(allowlist(1));

    // A running source loses Nacos, keeps quiet, and hears the next version once Nacos is back.
    const first = changes();
    const running = track(source(dataId, snapshotPath, nacos.addr));
    const doc = await running.start(first.onChange);
    await running.saveSnapshot(doc);
    expect(await readFile(snapshotPath, 'utf8')).toBe(allowlist(1));
    await nacos.stop();
    await new Promise((r) => setTimeout(r, 500));

    // A replica (re)starting now comes up from the snapshot.
    const second = changes();
    const restarted = track(source(dataId, snapshotPath, nacos.addr));
    expect(await restarted.start(second.onChange)).toMatchObject({ text: allowlist(1), origin: `snapshot:${snapshotPath}` });

    await nacos.start();
    await pub.publishAllowlist(allowlist(2));
    await first.waitFor(allowlist(2), 10_000);
    await second.waitFor(allowlist(2), 10_000);
    expect(first.docs.map((d) => d.text)).toEqual([allowlist(2)]);
    expect(second.docs.map((d) => d.text)).toEqual([allowlist(2)]);
    pub.close();
  });
});
