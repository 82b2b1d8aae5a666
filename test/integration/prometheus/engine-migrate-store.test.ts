import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { executeRuleCommand } from '../../../src/application/rules/rules.js';
import type { DetectionRuleSpec } from '../../../src/domain/detection-rule.js';
import { PrometheusEngine } from '../../../src/infrastructure/engines/prometheus/index.js';
import { RedisEventStore } from '../../../src/infrastructure/redis/redis-event-store.js';
import type { MigrateOutcome } from '../../../src/interfaces/cli/engine-migrate.js';
import { runCli } from '../../../src/interfaces/cli/run-cli.js';
import { prometheusRulesDir } from '../../support/prometheus.js';
import { redisForTest } from '../../support/redis-test.js';
import { services, uniqueSuffix } from '../../support/services.js';

const spec = (name: string, over: Partial<DetectionRuleSpec> = {}): DetectionRuleSpec => ({
  name,
  metric: 'cpu.usage_user',
  tagFilter: { host: 'web-*' },
  algorithm: { kind: 'threshold', operator: '>', value: 90, durationSeconds: 60 },
  level: 'major',
  enabled: true,
  ...over,
});

describe('engine migrate --to <prometheus config>, from our rule store', () => {
  const { redis, prefix, cleanup } = redisForTest('migrate');
  const store = new RedisEventStore(redis, { keyPrefix: `${prefix}:` });
  const ruleSet = `store-${uniqueSuffix()}`;
  let rulesDir = '';
  let dir = '';
  const files = { source: '', target: '' };
  const ids = { cpu: randomUUID(), mem: randomUUID(), off: randomUUID() };
  const now = () => new Date().toISOString();

  beforeAll(async () => {
    rulesDir = await prometheusRulesDir(services.prometheusUrl);
    dir = await mkdtemp(join(tmpdir(), 'aiops-migrate-store-'));
    files.source = join(dir, 'current.yaml');
    files.target = join(dir, 'prometheus.yaml');
    const redisYaml = `redis:\n  url: ${services.redisUrl}\n  keyPrefix: ${prefix}\n`;
    // The current engine is not even reachable: the rules come from our store, not from it.
    await writeFile(files.source, `logLevel: silent\n${redisYaml}engine:\n  kind: shuzhihui\n  baseUrl: http://127.0.0.1:9\n`);
    await writeFile(files.target, `logLevel: silent\n${redisYaml}engine:\n  kind: prometheus\n  prometheus:\n    url: ${services.prometheusUrl}\n    rulesDir: ${rulesDir}\n    ruleSet: ${ruleSet}\n`);
    await executeRuleCommand(store, { type: 'CreateRule', ruleId: ids.cpu, expectedVersion: 0, now: now(), spec: spec('cpu high') }, 'test');
    await executeRuleCommand(store, { type: 'CreateRule', ruleId: ids.mem, expectedVersion: 0, now: now(), spec: spec('mem odd', { metric: 'mem.used_percent', algorithm: { kind: 'baseline', windowSeconds: 600, sensitivity: 3, direction: 'up', durationSeconds: 0 } }) }, 'test');
    await executeRuleCommand(store, { type: 'CreateRule', ruleId: ids.off, expectedVersion: 0, now: now(), spec: spec('unportable', { tagFilter: { host: '' } }) }, 'test');
    await redis.hset(`${prefix}:rule-engine-ids`, ids.cpu, 'r-in-shuzhihui');
  });
  afterAll(async () => {
    await rm(join(rulesDir, `${ruleSet}.yml`), { force: true });
    await rm(join(rulesDir, `${ruleSet}.rules.json`), { force: true });
    await fetch(`${services.prometheusUrl}/-/reload`, { method: 'POST' });
    await rm(dir, { recursive: true, force: true });
    await cleanup();
  });

  const migrate = async (): Promise<{ code: number; outcome: MigrateOutcome }> => {
    const out = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      const code = await runCli(['engine', 'migrate', '--to', files.target, '--config', files.source], () => Promise.reject(new Error('not serving')));
      return { code, outcome: JSON.parse(String(out.mock.calls.at(-1)?.[0])) as MigrateOutcome };
    } finally {
      out.mockRestore();
    }
  };
  const inPrometheus = () => new PrometheusEngine({ url: services.prometheusUrl, rulesDir, ruleSet }).listRules();

  it('replays every rule of ours the target can run, links them for the target only, and reports the rest', async () => {
    const { code, outcome } = await migrate();
    expect(code).toBe(1);
    expect(outcome).toMatchObject({ from: 'rule-store', target: `prometheus at ${services.prometheusUrl}`, created: 2, updated: 0, deleted: 0 });
    expect(outcome.from === 'rule-store' && outcome.errors).toEqual([expect.objectContaining({ ruleId: ids.off, message: expect.stringContaining('tagFilter.host') })]);
    const rules = await inPrometheus();
    expect(rules.map((r) => r.name).sort()).toEqual(['cpu high', 'mem odd']);
    const links = await redis.hgetall(`${prefix}:prometheus:${ruleSet}:rule-engine-ids`);
    expect(Object.keys(links).sort()).toEqual([ids.cpu, ids.mem].sort());
    expect(new Set(Object.values(links))).toEqual(new Set(rules.map((r) => r.engineRuleId)));
    // The fleet still on 数智慧 keeps its own links.
    expect(await redis.hgetall(`${prefix}:rule-engine-ids`)).toEqual({ [ids.cpu]: 'r-in-shuzhihui' });
  });

  it('does nothing twice, then carries an edit and a delete made in our store', async () => {
    expect((await migrate()).outcome).toMatchObject({ created: 0, updated: 0, deleted: 0 });
    await executeRuleCommand(store, { type: 'UpdateRule', ruleId: ids.cpu, expectedVersion: 1, now: now(), spec: spec('cpu high', { level: 'critical' }) }, 'test');
    await executeRuleCommand(store, { type: 'DeleteRule', ruleId: ids.mem, expectedVersion: 1, now: now() }, 'test');
    expect((await migrate()).outcome).toMatchObject({ created: 0, updated: 1, deleted: 1 });
    expect((await inPrometheus()).map((r) => [r.name, r.level])).toEqual([['cpu high', 'critical']]);
  });
});
