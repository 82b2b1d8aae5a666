import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/infrastructure/config/load-config.js';

describe('projections configuration', () => {
  it('defaults to a 10 s lease renewed every 3 s, and leaves the projections role out of the default roles', () => {
    const config = loadConfig({ env: {}, forTool: true });
    expect(config.projections).toMatchObject({ leaseTtlMs: 10_000, renewEveryMs: 3_000, pageSize: 500 });
    expect(config.roles).toEqual(['ingest', 'forward', 'api']);
  });

  it('accepts the projections role', () => {
    expect(loadConfig({ env: { AIOPS__ROLES: '[projections, api]' }, forTool: true }).roles).toEqual(['projections', 'api']);
  });

  it('refuses a renewal interval above a third of the lease, naming the field', () => {
    expect(() => loadConfig({ env: { AIOPS__PROJECTIONS__RENEWEVERYMS: '5000' }, forTool: true })).toThrow(ConfigError);
    expect(() => loadConfig({ env: { AIOPS__PROJECTIONS__RENEWEVERYMS: '5000' }, forTool: true })).toThrow('projections.renewEveryMs');
  });

  it('refuses a backoff base above its maximum', () => {
    expect(() => loadConfig({ env: { AIOPS__PROJECTIONS__BACKOFFBASEMS: '90000' }, forTool: true })).toThrow('projections.backoffBaseMs');
  });
});
