import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/infrastructure/config/load-config.js';
import { createEngine } from '../../../src/infrastructure/engines/create-engine.js';
import { PrometheusEngine } from '../../../src/infrastructure/engines/prometheus/index.js';
import { ShuzhihuiEngine } from '../../../src/infrastructure/engines/shuzhihui/index.js';

const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const problemsOf = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  throw new Error('expected a ConfigError');
};

describe('engine selection by configuration', () => {
  it('defaults to 数智慧, which needs its password to serve', () => {
    expect(problemsOf(() => loadConfig({ env: {} }))).toContain('engine.auth.password: must be set (AIOPS__ENGINE__AUTH__PASSWORD)');
    const cfg = loadConfig({ env: { AIOPS__ENGINE__AUTH__PASSWORD: 'x' } });
    expect(cfg.engine.kind).toBe('shuzhihui');
    expect(createEngine(cfg, silent)).toBeInstanceOf(ShuzhihuiEngine);
  });

  it('builds the Prometheus adapter from engine.prometheus, without a 数智慧 password', () => {
    const cfg = loadConfig({
      overrides: { engine: { kind: 'prometheus', prometheus: { url: 'http://127.0.0.1:19999', rulesDir: 'some/rules', ruleSet: 'fleet-a', promtool: '' } } },
      env: {},
    });
    expect(cfg.engine.prometheus).toMatchObject({ url: 'http://127.0.0.1:19999', rulesDir: 'some/rules', ruleSet: 'fleet-a', promtool: '', maxSamplesPerRequest: 5000 });
    expect(createEngine(cfg, silent)).toBeInstanceOf(PrometheusEngine);
  });

  it('refuses an unknown engine kind and a rule set name that is not a plain name', () => {
    expect(problemsOf(() => loadConfig({ overrides: { engine: { kind: 'graphite' } }, env: {} })).join('\n')).toMatch(/engine\.kind/);
    expect(problemsOf(() => loadConfig({ overrides: { engine: { kind: 'prometheus', prometheus: { ruleSet: '../etc' } } }, env: {} })).join('\n')).toMatch(/engine\.prometheus\.ruleSet/);
  });
});
