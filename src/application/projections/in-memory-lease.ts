import type { Lease } from '../ports/lease.js';

/** The in-memory twin of the Redis lease, for unit tests; time comes from `now` so tests can move it. */
export class InMemoryLease implements Lease {
  private readonly held = new Map<string, { owner: string; until: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  private current(name: string): { owner: string; until: number } | undefined {
    const h = this.held.get(name);
    if (h && h.until <= this.now()) {
      this.held.delete(name);
      return undefined;
    }
    return h;
  }

  async acquire(name: string, owner: string, ttlMs: number): Promise<boolean> {
    const h = this.current(name);
    if (h && h.owner !== owner) return false;
    this.held.set(name, { owner, until: this.now() + ttlMs });
    return true;
  }

  async renew(name: string, owner: string, ttlMs: number): Promise<boolean> {
    const h = this.current(name);
    if (!h || h.owner !== owner) return false;
    h.until = this.now() + ttlMs;
    return true;
  }

  async release(name: string, owner: string): Promise<void> {
    if (this.current(name)?.owner === owner) this.held.delete(name);
  }

  async holder(name: string): Promise<string | null> {
    return this.current(name)?.owner ?? null;
  }
}
