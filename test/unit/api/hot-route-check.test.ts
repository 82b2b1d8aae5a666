import { describe, expect, it } from 'vitest';
import { hotRouteCheck } from '../../../src/interfaces/http/hot-route-check.js';
import { openApiDocument, type OpenApiDocument } from '../../../src/interfaces/http/openapi.js';

const withParam = (schema: Record<string, unknown>, more: Record<string, unknown> = {}): OpenApiDocument => ({
  paths: { '/x': { get: { 'x-eov-allow-unknown-query-parameters': true, parameters: [{ name: 'p', in: 'query', schema }], ...more } } },
});

describe('a hot route check built from the contract', () => {
  it('accepts the alarm list operation as documented', () => {
    expect(typeof hotRouteCheck(openApiDocument(), ['/api/v1/alarms'])).toBe('function');
  });

  it('refuses to start on a schema keyword it does not check, rather than let such queries through', () => {
    expect(() => hotRouteCheck(withParam({ type: 'string', pattern: '^a' }), ['/x'])).toThrow(/parameter p .*pattern/);
    expect(() => hotRouteCheck(withParam({ type: 'array', items: { type: 'string' } }), ['/x'])).toThrow(/parameter p/);
    expect(() => hotRouteCheck(withParam({ type: 'string', format: 'uuid' }), ['/x'])).toThrow(/parameter p/);
  });

  it('refuses an undocumented path, and an operation whose unknown parameters the validator would refuse', () => {
    expect(() => hotRouteCheck(withParam({ type: 'string' }), ['/y'])).toThrow(/GET \/y/);
    expect(() => hotRouteCheck(withParam({ type: 'string' }, { 'x-eov-allow-unknown-query-parameters': false }), ['/x'])).toThrow(/GET \/x/);
  });
});
