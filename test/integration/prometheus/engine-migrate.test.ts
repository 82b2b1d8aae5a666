import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { MigrationReport } from '../../../src/application/rules/migrate-rules.js';
import type { DetectionRuleSpec } from '../../../src/domain/detection-rule.js';
import { PrometheusEngine } from '../../../src/infrastructure/engines/prometheus/index.js';
import { createShuzhihuiEngine } from '../../../src/infrastructure/engines/shuzhihui/index.js';
import { runCli } from '../../../src/interfaces/cli/run-cli.js';
import { startEngineSimulator } from '../../simulator/index.js';
import { prometheusRulesDir } from '../../support/prometheus.js';
import { services, uniqueSuffix } from '../../support/services.js';

const rules: DetectionRuleSpec[] = [
  { name: 'cpu high', metric: 'cpu.usage_user', tagFilter: { host: 'web-*' }, algorithm: { kind: 'threshold', operator: '>', value: 90, durationSeconds: 60 }, level: 'critical', enabled: true },
  { name: 'mem odd', metric: 'mem.used_percent', tagFilter: {}, algorithm: { kind: 'baseline', windowSeconds: 3600, sensitivity: 3, direction: 'both', durationSeconds: 0 }, level: 'minor', enabled: true },
  { name: 'disk full soon', metric: 'disk.used_percent', tagFilter: { path: '/' }, algorithm: { kind: 'forecast', horizonSeconds: 3600, operator: '>=', value: 95 }, level: 'major', enabled: false },
];
// 数智慧 takes an empty tag glob; Prometheus cannot express "tag equals empty" apart from "no tag" and refuses it.
const unportable: DetectionRuleSpec = { ...rules[0]!, name: 'empty tag', tagFilter: { host: '' } };

describe('engine migrate --to <prometheus config> --from-engine, from the 数智慧 simulator', () => {
  let sim: Awaited<ReturnType<typeof startEngineSimulator>>;
  let dir: string;
  let ruleSet: string;
  let rulesDir: string;
  const files = { source: '', target: '' };

  beforeAll(async () => {
    sim = await startEngineSimulator({ evaluateEveryMs: 1_000 });
    const source = createShuzhihuiEngine({ baseUrl: sim.url, auth: { mode: 'bearer', username: 'admin', password: 'admin123' } });
    for (const r of [...rules, unportable]) await source.createRule(r);
    source.close();
    dir = await mkdtemp(join(tmpdir(), 'aiops-migrate-'));
    rulesDir = await prometheusRulesDir(services.prometheusUrl);
    ruleSet = `migrate-${uniqueSuffix()}`;
    files.source = join(dir, 'shuzhihui.yaml');
    files.target = join(dir, 'prometheus.yaml');
    await writeFile(files.source, `logLevel: silent\nengine:\n  kind: shuzhihui\n  baseUrl: ${sim.url}\n  auth:\n    username: admin\n    password: admin123\n`);
    await writeFile(files.target, `logLevel: silent\nengine:\n  kind: prometheus\n  prometheus:\n    url: ${services.prometheusUrl}\n    rulesDir: ${rulesDir}\n    ruleSet: ${ruleSet}\n`);
  });
  afterAll(async () => {
    await sim.close();
    await rm(join(rulesDir, `${ruleSet}.yml`), { force: true });
    await rm(join(rulesDir, `${ruleSet}.rules.json`), { force: true });
    await fetch(`${services.prometheusUrl}/-/reload`, { method: 'POST' });
    await rm(dir, { recursive: true, force: true });
  });

  const migrate = async (): Promise<{ code: number; report: MigrationReport }> => {
    const out = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      const code = await runCli(['engine', 'migrate', '--to', files.target, '--from-engine', '--config', files.source], () => Promise.reject(new Error('not serving')));
      return { code, report: JSON.parse(String(out.mock.calls.at(-1)?.[0])) as MigrationReport };
    } finally {
      out.mockRestore();
    }
  };

  it('creates every rule Prometheus can run, reports the one it refuses, and exits 1 for it', async () => {
    const { code, report } = await migrate();
    expect(code).toBe(1);
    expect(report).toMatchObject({ from: 'engine', source: `shuzhihui at ${sim.url}`, target: `prometheus at ${services.prometheusUrl}`, total: 4 });
    expect(report.created.map((c) => c.name).sort()).toEqual(['cpu high', 'disk full soon', 'mem odd']);
    expect(report.failed).toEqual([expect.objectContaining({ name: 'empty tag', message: expect.stringContaining('tagFilter.host') })]);
    const inPrometheus = await new PrometheusEngine({ url: services.prometheusUrl, rulesDir, ruleSet }).listRules();
    for (const r of rules) expect(inPrometheus.find((p) => p.name === r.name)).toMatchObject(r);
    expect(inPrometheus).toHaveLength(3);
    // Prometheus now evaluates the enabled ones.
    const loaded = (await (await fetch(`${services.prometheusUrl}/api/v1/rules?type=alert`)).json()) as { data: { groups: { name: string; rules: unknown[] }[] } };
    expect(loaded.data.groups.find((g) => g.name === `aiops-bridge:${ruleSet}`)?.rules).toHaveLength(2);
  });

  it('creates nothing twice when run again', async () => {
    const { report } = await migrate();
    expect(report.created).toEqual([]);
    expect(report.alreadyPresent).toHaveLength(3);
    expect(await new PrometheusEngine({ url: services.prometheusUrl, rulesDir, ruleSet }).listRules()).toHaveLength(3);
  });

  it('refuses a target config that does not validate, naming the field', async () => {
    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, 'engine:\n  kind: graphite\n');
    const err = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      expect(await runCli(['engine', 'migrate', '--to', bad, '--config', files.source], () => Promise.reject(new Error('no')))).toBe(2);
      expect(String(err.mock.calls[0]?.[0])).toMatch(/engine\.kind/);
    } finally {
      err.mockRestore();
    }
  });
});
