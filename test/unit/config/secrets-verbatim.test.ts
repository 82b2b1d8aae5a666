import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/infrastructure/config/load-config.js';

/** Whatever loadConfig throws, as everything a crash would print: message and stack. */
const printed = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    return `${String(err)}\n${(err as Error).stack ?? ''}\n${JSON.stringify(err)}`;
  }
  throw new Error('expected loadConfig to fail');
};

describe('secrets from the environment', () => {
  describe('when a password looks like YAML', () => {
    for (const secret of ['*abc', 'p@ss #1', "'x'", '"quoted"', '123', 'true', '[a, b]', '&anchor x', '- item', 'key: value', ' padded ']) {
      it(`takes ${JSON.stringify(secret)} verbatim for every secret key`, () => {
        const cfg = loadConfig({
          env: { AIOPS__ENGINE__AUTH__PASSWORD: secret, AIOPS__ALLOWLIST__NACOS__PASSWORD: secret, AIOPS__ALARMS__SINKS__WEBHOOK__SECRET: secret },
        });
        expect(cfg.engine.auth.password).toBe(secret);
        expect(cfg.allowlist.nacos.password).toBe(secret);
        expect(cfg.alarms.sinks.webhook.secret).toBe(secret);
      });
    }
  });

  it('still parses ordinary values as YAML scalars', () => {
    const cfg = loadConfig({ env: { AIOPS__ENGINE__AUTH__PASSWORD: 'x', AIOPS__KAFKA__BROKERS: '[a:1, b:2]', AIOPS__ENGINE__GZIP: 'false' } });
    expect(cfg.kafka.brokers).toEqual(['a:1', 'b:2']);
    expect(cfg.engine.gzip).toBe(false);
  });
});

describe('a configuration error', () => {
  const secret = 'Sup3r*Secret#value';

  it('never prints the password when another field is wrong', () => {
    const out = printed(() => loadConfig({ env: { AIOPS__ENGINE__AUTH__PASSWORD: secret, AIOPS__ENGINE__BASEURL: 'not a url' } }));
    expect(out).toMatch(/engine\.baseUrl/);
    expect(out).not.toContain(secret);
  });

  it('names a variable whose value is not YAML without quoting the value', () => {
    const out = printed(() => loadConfig({ env: { AIOPS__ENGINE__AUTH__PASSWORD: secret, AIOPS__KAFKA__BROKERS: `[${secret}` } }));
    expect(out).toMatch(/AIOPS__KAFKA__BROKERS: not a valid YAML value/);
    expect(out).not.toContain(secret);
  });

  it('says where a config file is broken without quoting its lines (they may hold a password)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const file = join(dir, 'bridge.yaml');
    writeFileSync(file, `engine:\n  auth:\n    password: "${secret}\n  gzip: [\n`);
    const out = printed(() => loadConfig({ file, env: {} }));
    expect(out).toMatch(/not valid YAML \(line \d+, column \d+\)/);
    expect(out).not.toContain(secret);
  });
});
