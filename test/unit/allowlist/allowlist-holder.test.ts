import { describe, expect, it } from 'vitest';
import { AllowlistHolder } from '../../../src/application/allowlist/allowlist-holder.js';
import type { AllowlistRejection, AllowlistSwapped } from '../../../src/application/allowlist/allowlist-holder.js';
import type { AllowlistDocument, AllowlistSource } from '../../../src/application/ports/allowlist-source.js';

const doc = (version: string, text: string): AllowlistDocument => ({ version, text, origin: 'test:allowlist' });
const CPU = doc('v1', 'entries:\n  - measurement: cpu\n');
const MEM = doc('v2', 'entries:\n  - measurement: mem\n');
const BROKEN = doc('v3', 'entries:\n  - measurement: mem\n    field: [used]\n');

function holder() {
  const swaps: AllowlistSwapped[] = [];
  const rejections: (AllowlistRejection & { activeVersion: string | null })[] = [];
  let tick = 0;
  const h = new AllowlistHolder({
    now: () => new Date(Date.UTC(2026, 0, 1, 0, 0, tick++)),
    onSwap: (e) => swaps.push(e),
    onReject: (e) => rejections.push(e),
  });
  return { h, swaps, rejections };
}

describe('before any version', () => {
  it('lets nothing through and says so', () => {
    const { h } = holder();
    expect(h.current.match('cpu', 'x', {})).toBe(false);
    expect(h.status()).toEqual({ activeVersion: null, activeOrigin: null, activeSince: null, entries: 0, rejectedTotal: 0 });
  });
});

describe('when a valid version arrives', () => {
  it('swaps it in and reports the swap', () => {
    const { h, swaps } = holder();
    expect(h.offer(CPU)).toEqual({ outcome: 'activated', entries: 1 });
    expect(h.offer(MEM)).toEqual({ outcome: 'activated', entries: 1 });
    expect(h.current.match('mem', 'used', {})).toBe(true);
    expect(h.current.match('cpu', 'idle', {})).toBe(false);
    expect(swaps.map((s) => [s.version, s.previousVersion])).toEqual([['v1', null], ['v2', 'v1']]);
    expect(h.status()).toMatchObject({ activeVersion: 'v2', activeOrigin: 'test:allowlist', activeSince: '2026-01-01T00:00:01.000Z', entries: 1 });
  });

  it('ignores the version already active', () => {
    const { h, swaps } = holder();
    h.offer(CPU);
    const before = h.current;
    expect(h.offer(CPU)).toEqual({ outcome: 'unchanged' });
    expect(h.current).toBe(before);
    expect(swaps).toHaveLength(1);
  });
});

describe('when an invalid version arrives', () => {
  it('keeps the previous one active and shows the rejection in the status', () => {
    const { h, rejections } = holder();
    h.offer(CPU);
    const active = h.current;
    const outcome = h.offer(BROKEN);
    expect(outcome.outcome).toBe('rejected');
    expect(h.current).toBe(active);
    expect(h.current.match('cpu', 'idle', {})).toBe(true);
    expect(h.status()).toEqual({
      activeVersion: 'v1',
      activeOrigin: 'test:allowlist',
      activeSince: '2026-01-01T00:00:00.000Z',
      entries: 1,
      lastRejected: { version: 'v3', origin: 'test:allowlist', at: '2026-01-01T00:00:01.000Z', errors: [expect.objectContaining({ path: 'entries[0].field' })] },
      rejectedTotal: 1,
    });
    expect(rejections.map((r) => [r.version, r.activeVersion])).toEqual([['v3', 'v1']]);
  });

  it('reports the same bad version once, however often it is delivered', () => {
    const { h, rejections } = holder();
    h.offer(BROKEN);
    h.offer(BROKEN);
    expect(h.status().rejectedTotal).toBe(1);
    expect(rejections).toHaveLength(1);
  });

  it('recovers with the next valid version', () => {
    const { h } = holder();
    h.offer(CPU);
    h.offer(BROKEN);
    expect(h.offer(MEM).outcome).toBe('activated');
    expect(h.status()).toMatchObject({ activeVersion: 'v2', rejectedTotal: 1 });
  });
});

describe('following a source', () => {
  const source = (initial: AllowlistDocument, pushDuringStart?: AllowlistDocument) => {
    let listener: ((d: AllowlistDocument) => void) | undefined;
    const s: AllowlistSource & { push(d: AllowlistDocument): void } = {
      start: async (onChange) => {
        listener = onChange;
        if (pushDuringStart) onChange(pushDuringStart);
        return initial;
      },
      stop: async () => undefined,
      push: (d) => listener?.(d),
    };
    return s;
  };

  it('activates the initial document, then every later one', async () => {
    const { h } = holder();
    const s = source(CPU);
    expect(await h.follow(s)).toEqual({ outcome: 'activated', entries: 1 });
    s.push(MEM);
    expect(h.status().activeVersion).toBe('v2');
  });

  it('does not let the initial document overwrite a newer one pushed while starting', async () => {
    const { h } = holder();
    await h.follow(source(CPU, MEM));
    expect(h.status().activeVersion).toBe('v2');
  });

  it('falls back to the initial document when the pushed one was invalid', async () => {
    const { h } = holder();
    await h.follow(source(CPU, BROKEN));
    expect(h.status()).toMatchObject({ activeVersion: 'v1', rejectedTotal: 1 });
  });

  it('hands every activated document, and only those, to onActivated', async () => {
    const { h } = holder();
    const activated: string[] = [];
    const s = source(CPU, BROKEN);
    await h.follow(s, (d) => activated.push(d.version));
    s.push(MEM);
    s.push(MEM);
    expect(activated).toEqual(['v1', 'v2']);
  });

  it('reports an invalid initial document as rejected, with nothing active', async () => {
    const { h } = holder();
    expect((await h.follow(source(BROKEN))).outcome).toBe('rejected');
    expect(h.status().activeVersion).toBeNull();
  });
});
