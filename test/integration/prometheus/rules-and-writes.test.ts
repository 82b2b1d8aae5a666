import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DetectionRuleSpec } from '../../../src/domain/detection-rule.js';
import { PrometheusEngine } from '../../../src/infrastructure/engines/prometheus/index.js';
import { RulesFile, type StoredRule } from '../../../src/infrastructure/engines/prometheus/rules-file.js';
import { services, uniqueSuffix } from '../../support/services.js';
import { prometheusRulesDir } from '../../support/prometheus.js';

const spec = (metric: string, value = 50): DetectionRuleSpec => ({
  name: `it ${metric}`,
  metric,
  tagFilter: { host: 'h-*' },
  algorithm: { kind: 'threshold', operator: '>', value, durationSeconds: 10 },
  level: 'minor',
  enabled: true,
});

/** A Prometheus stand-in whose /-/reload always fails (as when Prometheus cannot load what it was given). */
async function refusingReloads(): Promise<{ url: string; reloads: () => number; close: () => Promise<void> }> {
  let reloads = 0;
  const server = http.createServer((req, res) => {
    if (req.url === '/-/reload') reloads++;
    res.writeHead(500).end('failed to reload config: boom');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, reloads: () => reloads, close: () => new Promise((r) => server.close(() => r())) };
}

describe('the Prometheus rule file', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'aiops-prom-rules-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps the old file and record when Prometheus refuses the reload, and reloads the old file again', async () => {
    const fake = await refusingReloads();
    try {
      const ok = new RulesFile({ dir, name: 'restore', promtool: 'promtool', reload: () => Promise.resolve() });
      await ok.change((rules) => ({ rules: [...rules, { engineRuleId: 'pr-a', spec: spec('m.a'), createdAt: 'x', updatedAt: 'x' }], result: undefined }));
      const fileBefore = await readFile(ok.rulesPath, 'utf8');
      const engine = new PrometheusEngine({ url: fake.url, rulesDir: dir, ruleSet: 'restore', timeoutMs: 2_000 });
      await expect(engine.createRule(spec('m.b'))).rejects.toMatchObject({ kind: 'server', retryable: true });
      expect(await readFile(ok.rulesPath, 'utf8')).toBe(fileBefore);
      expect((await engine.listRules()).map((r) => r.engineRuleId)).toEqual(['pr-a']);
      expect(fake.reloads()).toBe(2); // the refused one, then the restored file
    } finally {
      await fake.close();
    }
  });

  it('is validated with promtool before it replaces the old one', async () => {
    const reloads: string[] = [];
    class Broken extends RulesFile {
      override render(rules: readonly StoredRule[]): string {
        return rules.length > 1 ? 'groups:\n  - name: x\n    rules:\n      - alert: a\n        expr: rate(\n' : super.render(rules);
      }
    }
    const file = new Broken({ dir, name: 'validate', promtool: 'promtool', reload: () => Promise.resolve(void reloads.push('reload')) });
    const one = { engineRuleId: 'pr-1', spec: spec('m.one'), createdAt: 'x', updatedAt: 'x' };
    await file.change(() => ({ rules: [one], result: undefined }));
    const before = await readFile(file.rulesPath, 'utf8');
    await expect(file.change((r) => ({ rules: [...r, { ...one, engineRuleId: 'pr-2' }], result: undefined }))).rejects.toMatchObject({
      kind: 'rejected',
      message: expect.stringContaining('promtool check rules refused'),
    });
    expect(await readFile(file.rulesPath, 'utf8')).toBe(before);
    expect((await file.read()).map((r) => r.engineRuleId)).toEqual(['pr-1']);
    expect(reloads).toEqual(['reload']);
  });

  it('leaves disabled rules out of the file but keeps them in the record', async () => {
    const file = new RulesFile({ dir, name: 'disabled', promtool: 'promtool', reload: () => Promise.resolve() });
    await file.change(() => ({ rules: [{ engineRuleId: 'pr-off', spec: { ...spec('m.off'), enabled: false }, createdAt: 'x', updatedAt: 'x' }], result: undefined }));
    expect(await readFile(file.rulesPath, 'utf8')).not.toContain('pr-off');
    expect((await file.read())[0]?.spec.enabled).toBe(false);
  });
});

describe('remote write into the real Prometheus', () => {
  let engine: PrometheusEngine;
  beforeAll(async () => {
    engine = new PrometheusEngine({ url: services.prometheusUrl, rulesDir: await prometheusRulesDir(services.prometheusUrl), ruleSet: `it-${uniqueSuffix()}`, maxSamplesPerRequest: 8 });
  });

  it('splits at the request limit, stores the neighbours of a refused sample and fails the push naming it', async () => {
    const metric = `it_${uniqueSuffix()}.v`;
    const t0 = Math.floor(Date.now() / 1000) * 1000 - 120_000;
    const good = Array.from({ length: 20 }, (_, i) => ({ name: metric, tags: { host: 'h-1' }, ts: t0 + i * 1000, value: i }));
    expect(await engine.pushMetrics(good, 'first')).toEqual({ accepted: 20 });
    // A sample older than the out-of-order window (a batch replayed hours later) is refused by Prometheus with
    // the whole request it came in; the other 19 samples of that request must land.
    const clash = { name: metric, tags: { host: 'h-1' }, ts: t0 - 3 * 3600_000, value: 999 };
    const more = Array.from({ length: 19 }, (_, i) => ({ name: metric, tags: { host: 'h-2' }, ts: t0 + i * 1000, value: i }));
    // ... and the refused one fails the push as rejected (so it is dead-lettered, not lost), saying how many.
    await expect(engine.pushMetrics([...more.slice(0, 9), clash, ...more.slice(9)], 'second')).rejects.toMatchObject({
      kind: 'rejected',
      retryable: false,
      message: expect.stringMatching(/^1 of 20 samples refused \(19 stored\); first: .*too old sample/),
    });
    // A retried push of accepted samples is taken again without change.
    expect(await engine.pushMetrics(good, 'first')).toEqual({ accepted: 20 });
    const trend = await engine.trend({ metric, tags: { host: 'h-2' }, startMs: t0, endMs: t0 + 18_000, stepSeconds: 1 });
    expect(trend.points.map((p) => p.actual)).toEqual(more.map((p) => p.value));
  });
});
