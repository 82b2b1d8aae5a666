import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/infrastructure/config/load-config.js';
import { createLogger } from '../../../src/infrastructure/observability/logger.js';

const ok = { AIOPS__ENGINE__AUTH__PASSWORD: 's3cret' };
const problemsOf = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  throw new Error('expected a ConfigError');
};

describe('loadConfig', () => {
  it('reads YAML, then lets the environment override it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const file = join(dir, 'bridge.yaml');
    writeFileSync(file, 'kafka:\n  topic: from-file\n  brokers: ["k1:9092"]\nbatch:\n  maxPoints: 1000\n');
    const cfg = loadConfig({ file, env: { ...ok, AIOPS__BATCH__MAXPOINTS: '2000', AIOPS__ENGINE__GZIP: 'false' } });
    expect(cfg.kafka.topic).toBe('from-file');
    expect(cfg.kafka.brokers).toEqual(['k1:9092']);
    expect(cfg.batch.maxPoints).toBe(2000);
    expect(cfg.engine.gzip).toBe(false);
    expect(cfg.forward.highWater).toBe(200);
  });

  it('names every bad field', () => {
    const problems = problemsOf(() =>
      loadConfig({ env: { ...ok, AIOPS__ENGINE__BASEURL: 'not a url', AIOPS__BATCH__MAXPOINTS: '0', AIOPS__KAFKA__FORMAT: 'xml' } }),
    );
    expect(problems.some((p) => p.startsWith('engine.baseUrl:'))).toBe(true);
    expect(problems.some((p) => p.startsWith('batch.maxPoints:'))).toBe(true);
    expect(problems.some((p) => p.startsWith('kafka.format:'))).toBe(true);
  });

  it('rejects a missing secret, an unknown variable and an unknown file key', () => {
    expect(problemsOf(() => loadConfig({ env: {} }))).toContain('engine.auth.password: must be set (AIOPS__ENGINE__AUTH__PASSWORD)');
    expect(loadConfig({ env: {}, forTool: true }).engine.auth.password).toBe('');
    expect(problemsOf(() => loadConfig({ env: { ...ok, AIOPS__KAFKA__TOPICZ: 'x' } }))[0]).toMatch(/AIOPS__KAFKA__TOPICZ: no configuration field kafka.topicz/);
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    writeFileSync(join(dir, 'c.yaml'), 'kafka:\n  tpoic: x\n');
    expect(problemsOf(() => loadConfig({ file: join(dir, 'c.yaml'), env: ok })).join('\n')).toMatch(/kafka.tpoic/);
  });

  it('rejects a low-water mark that is not below the high-water mark', () => {
    expect(problemsOf(() => loadConfig({ env: { ...ok, AIOPS__FORWARD__LOWWATER: '300' } }))).toContain('forward.lowWater: must be below forward.highWater');
  });

  it('gzips engine batches at level 1 unless told otherwise, and names a level outside 1-9', () => {
    expect(loadConfig({ env: ok }).engine.gzipLevel).toBe(1);
    expect(loadConfig({ env: { ...ok, AIOPS__ENGINE__GZIPLEVEL: '9' } }).engine.gzipLevel).toBe(9);
    expect(problemsOf(() => loadConfig({ env: { ...ok, AIOPS__ENGINE__GZIPLEVEL: '10' } })).join('\n')).toMatch(/engine\.gzipLevel/);
  });

  it('names a missing config file', () => {
    expect(problemsOf(() => loadConfig({ file: '/nonexistent/bridge.yaml', env: ok }))[0]).toMatch(/config file \/nonexistent\/bridge.yaml/);
  });
});

describe('createLogger', () => {
  it('redacts secrets in every log line', () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _e, cb) => (lines.push(String(chunk)), cb()) });
    const log = createLogger('info', 'test', sink);
    log.info({ config: { engine: { auth: { password: 'hunter2' } } }, headers: { authorization: 'Bearer abc' }, token: 'tok' }, 'start');
    log.child({ module: 'engine' }).warn({ auth: { password: 'p4ss' } }, 'login');
    const out = lines.join('');
    expect(out).not.toMatch(/hunter2|Bearer abc|"tok"|p4ss/);
    expect(out.match(/\[redacted\]/g)?.length).toBe(4);
  });
});

describe('loadConfig: alarm poll', () => {
  it('leaves the poll role out of the defaults and polls every 10 s with K = 3', () => {
    const cfg = loadConfig({ env: ok });
    expect(cfg.roles).toEqual(['ingest', 'forward', 'api']);
    expect(cfg.alarms).toMatchObject({ pollIntervalMs: 10_000, absentLimit: 3 });
  });

  it('accepts the poll role and a poll interval, and refuses an interval under 100 ms', () => {
    const cfg = loadConfig({ env: ok, overrides: { roles: ['poll', 'api'], alarms: { pollIntervalMs: 2_000 } } });
    expect(cfg.roles).toEqual(['poll', 'api']);
    expect(cfg.alarms.pollIntervalMs).toBe(2_000);
    expect(problemsOf(() => loadConfig({ env: { ...ok, AIOPS__ALARMS__POLLINTERVALMS: '10' } })).some((p) => p.startsWith('alarms.pollIntervalMs:'))).toBe(true);
  });
});
