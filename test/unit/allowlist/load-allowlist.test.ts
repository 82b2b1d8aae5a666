import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadAllowlist } from '../../../src/application/allowlist/load-allowlist.js';

describe('loading allowlist YAML', () => {
  it('compiles a valid document', () => {
    const loaded = loadAllowlist('version: 1\nentries:\n  - measurement: cpu\n    fields: [usage_idle]\n');
    expect(loaded.ok && loaded.compiled.match('cpu', 'usage_idle', {})).toBe(true);
  });

  it('accepts the example shipped in deploy/local and lets through what its comments promise', () => {
    const loaded = loadAllowlist(readFileSync(new URL('../../../deploy/local/metrics-allowlist.yaml', import.meta.url), 'utf8'));
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
    const { compiled } = loaded;
    expect(compiled.match('cpu', 'usage_idle', { cpu: 'cpu-total', host: 'a' })).toBe(true);
    expect(compiled.match('cpu', 'usage_idle', { cpu: 'cpu0' })).toBe(false);
    expect(compiled.match('disk', 'used_percent', { fstype: 'tmpfs' })).toBe(false);
    expect(compiled.match('biz_order_api', 'anything', { env: 'prod' })).toBe(true);
    expect(compiled.match('biz_payment_gateway', 'success_rate', { env: 'prod-eu' })).toBe(true);
    expect(compiled.match('biz_payment_gateway', 'success_rate', { env: 'prod', canary: 'yes' })).toBe(false);
  });

  it('reports a YAML syntax error with its line and column', () => {
    const loaded = loadAllowlist('entries:\n  - measurement: [cpu\n');
    expect(loaded.ok).toBe(false);
    if (loaded.ok) return;
    expect(loaded.errors).toHaveLength(1);
    expect(loaded.errors[0]?.path).toBe('(yaml)');
    expect(loaded.errors[0]?.message).toMatch(/^line \d+, column \d+: /);
  });

  it('reports a duplicated key, which YAML would otherwise resolve silently', () => {
    const loaded = loadAllowlist('entries: []\nentries:\n  - measurement: cpu\n');
    expect(loaded.ok ? [] : loaded.errors.map((e) => e.path)).toEqual(['(yaml)']);
  });

  it('refuses an empty document instead of forwarding nothing', () => {
    for (const text of ['', '  \n']) {
      const loaded = loadAllowlist(text);
      expect(loaded.ok ? [] : loaded.errors.map((e) => e.path)).toEqual(['(document)']);
    }
  });

  it('passes validation errors through with their paths', () => {
    const loaded = loadAllowlist('entries:\n  - measurement: cpu\n    fields: [200]\n');
    expect(loaded.ok ? [] : loaded.errors.map((e) => e.path)).toEqual(['entries[0].fields[0]']);
  });
});
