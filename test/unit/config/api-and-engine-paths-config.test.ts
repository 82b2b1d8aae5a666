import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/infrastructure/config/load-config.js';

const load = (overrides: Record<string, unknown>, env: Record<string, string> = {}) =>
  loadConfig({ env, overrides: { engine: { auth: { password: 'x' }, ...(overrides.engine as object | undefined) }, ...(overrides.api ? { api: overrides.api } : {}) } });
const problemsOf = (fn: () => unknown): readonly string[] => {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
};

describe('engine.paths in the config', () => {
  it('accepts paths starting with / and leaves the others to the adapter defaults', () => {
    const c = load({ engine: { paths: { trend: '/szh/trend', rule: '/szh/rules/{ruleId}' } } });
    expect(c.engine.paths.trend).toBe('/szh/trend');
    expect(c.engine.paths.login).toBeUndefined();
  });

  it('names each path that does not start with /, and a rule path without {ruleId}', () => {
    expect(problemsOf(() => load({ engine: { paths: { trend: 'trend', rule: '/rules/x' } } }))).toEqual([
      'engine.paths.trend: must be a path starting with /',
      'engine.paths.rule: must be a path starting with / and containing {ruleId}',
    ]);
  });

  it('refuses an unknown path name', () => {
    expect(problemsOf(() => load({ engine: { paths: { trends: '/x' } } })).join()).toMatch(/engine\.paths\.trends/);
  });
});

describe('api.keys in the config', () => {
  it('takes keys from the environment as a YAML flow list', () => {
    const c = load({}, { AIOPS__API__KEYS: '[{name: ci, key: abcdefghijklmnop1234, scopes: [read, write]}]' });
    expect(c.api.keys).toEqual([expect.objectContaining({ name: 'ci', key: 'abcdefghijklmnop1234', scopes: ['read', 'write'] })]);
  });

  it('wants exactly one of key and keyHash, unique names and known scopes', () => {
    const hash = 'a'.repeat(64);
    const problems = problemsOf(() =>
      load({
        api: {
          keys: [
            { name: 'a', key: 'abcdefghijklmnop1234', keyHash: hash, scopes: ['read'] },
            { name: 'a', scopes: ['read'] },
            { name: 'b', keyHash: hash, scopes: ['root'] },
          ],
        },
      }),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        'api.keys[0]: give exactly one of key and keyHash',
        'api.keys[1]: give exactly one of key and keyHash',
        'api.keys: names must be unique',
        expect.stringMatching(/^api\.keys\.2\.scopes/),
      ]),
    );
  });
});
