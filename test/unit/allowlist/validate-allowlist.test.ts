import { describe, expect, it } from 'vitest';
import { validateAllowlist } from '../../../src/domain/allowlist/validate-allowlist.js';

const errorsOf = (doc: unknown) => {
  const result = validateAllowlist(doc);
  return result.ok ? [] : result.errors;
};
const pathsOf = (doc: unknown) => errorsOf(doc).map((e) => e.path);

describe('a valid document', () => {
  it('gives back the spec with only the keys that were present', () => {
    const result = validateAllowlist({
      version: 1,
      entries: [{ measurement: 'cpu' }, { measurement: 'mem*', fields: ['used', 'free_*'], tags: { env: 'prod', canary: '!*', region: ['a', 'b*'] }, owner: 'sre', note: 'n' }],
    });
    expect(result).toEqual({
      ok: true,
      spec: {
        version: 1,
        entries: [{ measurement: 'cpu' }, { measurement: 'mem*', fields: ['used', 'free_*'], tags: { env: 'prod', canary: '!*', region: ['a', 'b*'] }, owner: 'sre', note: 'n' }],
      },
    });
  });

  it('accepts a missing version and an empty entry list', () => {
    expect(validateAllowlist({ entries: [] })).toEqual({ ok: true, spec: { version: 1, entries: [] } });
  });
});

describe('an invalid document', () => {
  it.each<[string, unknown, string[]]>([
    ['not a mapping', ['cpu'], ['(root)']],
    ['no entries', { version: 1 }, ['entries']],
    ['entries not a list', { entries: { measurement: 'cpu' } }, ['entries']],
    ['an unsupported version', { version: 2, entries: [] }, ['version']],
    ['an unknown top-level key', { entries: [], metrics: [] }, ['metrics']],
    ['an entry that is not a mapping', { entries: ['cpu'] }, ['entries[0]']],
    ['a missing measurement', { entries: [{ fields: ['a'] }] }, ['entries[0].measurement']],
    ['an empty measurement', { entries: [{ measurement: '' }] }, ['entries[0].measurement']],
    ['a typo in a key', { entries: [{ measurement: 'cpu' }, { measurement: 'mem', field: ['used'] }] }, ['entries[1].field']],
    ['fields not a list', { entries: [{ measurement: 'cpu', fields: 'usage' }] }, ['entries[0].fields']],
    ['an empty fields list', { entries: [{ measurement: 'cpu', fields: [] }] }, ['entries[0].fields']],
    ['a number as a field', { entries: [{ measurement: 'm' }, { measurement: 'm' }, { measurement: 'm' }, { measurement: 'cpu', fields: [200] }] }, ['entries[3].fields[0]']],
    ['a lone trailing backslash', { entries: [{ measurement: 'cpu\\' }] }, ['entries[0].measurement']],
    ['negation outside tag rules', { entries: [{ measurement: '!cpu' }] }, ['entries[0].measurement']],
    ['tags not a mapping', { entries: [{ measurement: 'cpu', tags: ['env'] }] }, ['entries[0].tags']],
    ['a bare !', { entries: [{ measurement: 'cpu', tags: { env: '!' } }] }, ['entries[0].tags.env']],
    ['negation inside a list', { entries: [{ measurement: 'cpu', tags: { env: ['prod', '!dev'] } }] }, ['entries[0].tags.env[1]']],
    ['an empty tag list', { entries: [{ measurement: 'cpu', tags: { env: [] } }] }, ['entries[0].tags.env']],
    ['a number as a tag value', { entries: [{ measurement: 'http', tags: { code: 200 } }] }, ['entries[0].tags.code']],
    ['owner not text', { entries: [{ measurement: 'cpu', owner: 5 }] }, ['entries[0].owner']],
  ])('names the field for %s', (_, doc, paths) => {
    expect(pathsOf(doc)).toEqual(paths);
  });

  it('reports every error, not just the first', () => {
    expect(pathsOf({ version: 3, entries: [{ measurement: 1 }, { measurement: 'ok' }, { measurement: 'x', fields: [], tags: 'env' }] })).toEqual([
      'version',
      'entries[0].measurement',
      'entries[2].fields',
      'entries[2].tags',
    ]);
  });

  it('says what is wrong in words a person can act on', () => {
    const [error] = errorsOf({ entries: [{ measurement: 'cpu', fields: [200] }] });
    expect(error?.message).toBe("must be a text pattern (got number 200 — quote it in YAML: '200')");
    const [typo] = errorsOf({ entries: [{ measurement: 'cpu', field: ['a'] }] });
    expect(typo?.message).toContain("unknown key 'field'");
    expect(typo?.message).toContain('fields');
  });

  it('caps a flood of errors', () => {
    const errors = errorsOf({ entries: Array.from({ length: 500 }, () => ({ measurement: 1 })) });
    expect(errors).toHaveLength(101);
    expect(errors[100]?.message).toBe('400 more errors not shown');
  });
});
