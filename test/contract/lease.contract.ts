import { describe, expect, it } from 'vitest';
import type { Lease } from '../../src/application/ports/lease.js';

/** One suite for every Lease adapter: `make()` gives a fresh, empty lease space. */
export function leaseContract(name: string, make: () => Lease): void {
  describe(`${name} (Lease contract)`, () => {
    it('gives a free lease to one owner and refuses it to another', async () => {
      const lease = make();
      expect(await lease.acquire('p', 'A', 5_000)).toBe(true);
      expect(await lease.acquire('p', 'B', 5_000)).toBe(false);
      expect(await lease.holder('p')).toBe('A');
      expect(await lease.acquire('p', 'A', 5_000)).toBe(true);
      expect(await lease.acquire('other', 'B', 5_000)).toBe(true);
    });

    it('renews only for the owner', async () => {
      const lease = make();
      await lease.acquire('p', 'A', 5_000);
      expect(await lease.renew('p', 'A', 5_000)).toBe(true);
      expect(await lease.renew('p', 'B', 5_000)).toBe(false);
      expect(await lease.renew('free', 'A', 5_000)).toBe(false);
    });

    it('is released only by its owner', async () => {
      const lease = make();
      await lease.acquire('p', 'A', 5_000);
      await lease.release('p', 'B');
      expect(await lease.holder('p')).toBe('A');
      await lease.release('p', 'A');
      expect(await lease.holder('p')).toBeNull();
      expect(await lease.acquire('p', 'B', 5_000)).toBe(true);
    });

    it('lapses after its TTL unless renewed, and then another owner takes it and the old one cannot renew', async () => {
      const lease = make();
      // Margins of 400 ms either way: the machine running CI is small and shared.
      await lease.acquire('p', 'A', 1_000);
      await new Promise((r) => setTimeout(r, 600));
      expect(await lease.renew('p', 'A', 1_000)).toBe(true);
      await new Promise((r) => setTimeout(r, 600));
      expect(await lease.acquire('p', 'B', 1_000)).toBe(false); // renewed 600 ms ago: still A's
      await new Promise((r) => setTimeout(r, 800));
      expect(await lease.holder('p')).toBeNull();
      expect(await lease.acquire('p', 'B', 5_000)).toBe(true);
      expect(await lease.renew('p', 'A', 5_000)).toBe(false);
      expect(await lease.holder('p')).toBe('B');
    });
  });
}
