import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { allows, ApiKeys } from '../../../src/interfaces/http/auth.js';

const hash = (s: string): string => createHash('sha256').update(s).digest('hex');

describe('keys given in clear and as sha256 hashes', () => {
  const keys = new ApiKeys([
    { name: 'ci', key: 'ci-secret-0123456789', scopes: ['read'] },
    { name: 'ops', keyHash: hash('ops-secret-0123456789'), scopes: ['admin'] },
  ]);

  it('finds the key that was presented, by either form', () => {
    expect(keys.find('ci-secret-0123456789')).toEqual({ name: 'ci', scopes: ['read'] });
    expect(keys.find('ops-secret-0123456789')).toEqual({ name: 'ops', scopes: ['admin'] });
  });

  it('finds nothing for a wrong, empty, or prefix key', () => {
    expect(keys.find('ci-secret-012345678')).toBeUndefined();
    expect(keys.find('')).toBeUndefined();
    expect(keys.find(hash('ops-secret-0123456789'))).toBeUndefined(); // the hash itself is not a key
  });

  it('keeps no key in clear', () => {
    expect(JSON.stringify(keys)).not.toContain('ci-secret');
  });
});

describe('scopes', () => {
  it('rank admin over write over read', () => {
    expect(allows({ name: 'a', scopes: ['admin'] }, 'write')).toBe(true);
    expect(allows({ name: 'w', scopes: ['write'] }, 'read')).toBe(true);
    expect(allows({ name: 'w', scopes: ['write'] }, 'admin')).toBe(false);
    expect(allows({ name: 'r', scopes: ['read'] }, 'write')).toBe(false);
  });
});

describe('the service logger', () => {
  it('redacts API keys in headers and in the configuration', async () => {
    const { Writable } = await import('node:stream');
    const { createLogger } = await import('../../../src/infrastructure/observability/logger.js');
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const log = createLogger('info', 'test', sink as never);
    log.info({ headers: { 'x-api-key': 'SECRET-1', authorization: 'Bearer SECRET-2' }, config: { api: { keys: [{ name: 'ci', key: 'SECRET-3' }] } } }, 'request');
    await new Promise((r) => setTimeout(r, 20));
    const text = lines.join('');
    expect(text).toContain('"name":"ci"');
    expect(text).not.toMatch(/SECRET-\d/);
  });
});
