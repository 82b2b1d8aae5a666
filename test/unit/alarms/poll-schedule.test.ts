import { describe, expect, it } from 'vitest';
import { startPollSchedule } from '../../../src/application/alarms/poll-schedule.js';
import type { PollClaim, PollLease } from '../../../src/application/ports/poll-lease.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A lease in memory: one holder at a time, each tick once; counts releases and renewals. */
function memoryLease(opts: { renewHeld?: boolean } = {}) {
  const l = { held: false, tick: 0, releases: 0, renewals: 0 };
  const lease: PollLease = {
    claim: async (): Promise<PollClaim | null> => {
      if (l.held) return null;
      l.held = true;
      const tick = ++l.tick;
      return {
        tick,
        renew: async () => {
          l.renewals++;
          return opts.renewHeld ?? true;
        },
        release: async () => {
          l.held = false;
          l.releases++;
        },
      };
    },
  };
  return { l, lease };
}

describe('poll schedule', () => {
  describe('when a poll outlasts the check interval', () => {
    it('never runs two polls at once and renews the lease meanwhile', async () => {
      const { l, lease } = memoryLease();
      let running = 0;
      let maxRunning = 0;
      const s = startPollSchedule({
        lease,
        checkEveryMs: 5,
        renewEveryMs: 10,
        onError: () => undefined,
        poll: async () => {
          maxRunning = Math.max(maxRunning, ++running);
          await sleep(40);
          running--;
        },
      });
      await sleep(150);
      await s.stop();
      expect(maxRunning).toBe(1);
      expect(l.tick).toBeGreaterThanOrEqual(2);
      expect(l.renewals).toBeGreaterThan(0);
      expect(l.releases).toBe(l.tick);
    });
  });

  describe('when stopped during a poll', () => {
    it('waits for the poll to end, then releases the lease', async () => {
      const { l, lease } = memoryLease();
      let finished = false;
      const s = startPollSchedule({ lease, checkEveryMs: 1_000, renewEveryMs: 1_000, onError: () => undefined, poll: async () => {
        await sleep(50);
        finished = true;
      } });
      await sleep(10);
      await s.stop();
      expect(finished).toBe(true);
      expect(l.held).toBe(false);
    });
  });

  describe('when the poll fails or the lease is lost', () => {
    it('reports both and keeps scheduling', async () => {
      const { l, lease } = memoryLease({ renewHeld: false });
      const errors: string[] = [];
      const s = startPollSchedule({ lease, checkEveryMs: 5, renewEveryMs: 10, onError: (e) => errors.push(String(e)), poll: async () => {
        await sleep(25);
        throw new Error('engine down');
      } });
      await sleep(120);
      await s.stop();
      expect(errors.some((e) => e.includes('engine down'))).toBe(true);
      expect(errors.some((e) => e.includes('lost while polling'))).toBe(true);
      expect(l.tick).toBeGreaterThanOrEqual(2);
      expect(l.held).toBe(false);
    });
  });
});
