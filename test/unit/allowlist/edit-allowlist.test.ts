import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { listAllowlistChanges } from '../../../src/application/allowlist/allowlist-changes.js';
import { dryRunAllowlist } from '../../../src/application/allowlist/dry-run-allowlist.js';
import { editAllowlist, type AllowlistStore } from '../../../src/application/allowlist/edit-allowlist.js';
import { loadAllowlist } from '../../../src/application/allowlist/load-allowlist.js';
import { InMemoryEventStore } from '../../../src/application/event-store/in-memory-event-store.js';
import type { CatalogEntry } from '../../../src/application/ports/metric-catalog.js';

const md5 = (t: string): string => createHash('md5').update(t).digest('hex');

/** A store with Nacos's semantics and the publisher's compare-and-set. */
class MemoryStore implements AllowlistStore {
  text: string | null = null;
  published = 0;
  async getAllowlist() {
    return this.text === null ? null : { text: this.text, md5: md5(this.text) };
  }
  async publishIfUnchanged(text: string, expected: string | null) {
    const current = this.text === null ? null : md5(this.text);
    if (current !== expected) return { status: 'conflict' as const, currentMd5: current };
    this.text = text;
    this.published++;
    return { status: 'published' as const, md5: md5(text) };
  }
}

const V1 = 'version: 1\nentries:\n  - measurement: cpu\n    fields: [usage]\n  - measurement: mem\n';
const V2 = 'version: 1\nentries:\n  - measurement: mem\n  - measurement: disk\n    fields: [used]\n    tags: { host: "web-*" }\n';

describe('when an allowlist is edited from the version it replaces', () => {
  it('publishes it and records who added and removed which entries', async () => {
    const store = new MemoryStore();
    const events = new InMemoryEventStore();
    const deps = { store, events, dataId: 'al.yaml' };
    expect((await editAllowlist(deps, { text: V1, expectedMd5: null, actor: 'alice' })).outcome).toBe('published');
    const second = await editAllowlist(deps, { text: V2, expectedMd5: md5(V1), actor: 'bob' });
    expect(second).toMatchObject({
      outcome: 'published',
      change: { version: md5(V2), previousVersion: md5(V1), actor: 'bob', added: [{ measurement: 'disk' }], removed: [{ measurement: 'cpu' }], entries: 2 },
    });
    const changes = await listAllowlistChanges(events, 'al.yaml', 10);
    expect(changes.map((c) => [c.actor, c.added.length, c.removed.length])).toEqual([
      ['bob', 1, 1],
      ['alice', 2, 0],
    ]);
    expect(store.text).toBe(V2);
  });
});

describe('when the editor started from an older version', () => {
  it('answers conflict with the current md5 and publishes nothing', async () => {
    const store = new MemoryStore();
    store.text = V1;
    const events = new InMemoryEventStore();
    expect(await editAllowlist({ store, events, dataId: 'x' }, { text: V2, expectedMd5: md5('older'), actor: 'a' })).toEqual({ outcome: 'conflict', currentMd5: md5(V1) });
    expect(store.published).toBe(0);
    expect((await events.readStream('allowlist-x')).events).toHaveLength(0);
  });
});

describe('when the document is invalid', () => {
  it('answers every error and never reaches the store', async () => {
    const store = new MemoryStore();
    const out = await editAllowlist({ store, events: new InMemoryEventStore(), dataId: 'x' }, { text: 'version: 1\nentries:\n  - fields: [a]\n', expectedMd5: null, actor: 'a' });
    expect(out.outcome).toBe('invalid');
    expect(out.outcome === 'invalid' && out.errors[0]?.path).toMatch(/^entries\[0\]/);
    expect(store.published).toBe(0);
  });
});

const entry = (name: string, seen: number): CatalogEntry => ({ name, tagKeys: ['host'], seen, passed: 0, dropped: {}, perMinute: [], passRatio: 0, lastSeenAt: 0 });

describe('a dry run against the catalog', () => {
  const current = (loadAllowlist(V1) as { compiled: Parameters<typeof dryRunAllowlist>[0] }).compiled;
  const catalog = [entry('cpu.usage', 600), entry('mem.free', 300), entry('disk.used', 150), entry('disk.free', 30), entry('_', 9)];

  it('lists the metrics that would start and stop passing, largest first, with points per minute', () => {
    const run = dryRunAllowlist(current, V2, catalog, 15);
    expect(run.valid).toBe(true);
    expect(run.stopPassing).toEqual([{ name: 'cpu.usage', before: 'all', after: 'none', seen: 600, seenPerMinute: 40 }]);
    // disk.used passes only for some hosts: the catalog keeps tag keys, not values.
    expect(run.startPassing).toEqual([{ name: 'disk.used', before: 'none', after: 'some', seen: 150, seenPerMinute: 10 }]);
  });

  it('reports the errors of an invalid document and no changes', () => {
    const run = dryRunAllowlist(current, 'entries: 3', catalog, 15);
    expect(run.valid).toBe(false);
    expect(run.errors.length).toBeGreaterThan(0);
    expect([run.startPassing, run.stopPassing]).toEqual([[], []]);
  });
});
