import type { PollLease } from '../ports/poll-lease.js';

/** How far past a tick's start the aimed check falls: enough for timer and clock jitter, small against a poll. */
const TICK_AIM_MS = 5;

export interface PollScheduleOptions {
  readonly lease: PollLease;
  /** How often this replica asks for the lease: a fraction of the interval, so a tick is claimed early in it. */
  readonly checkEveryMs: number;
  /**
   * The poll interval, when ticks are `floor(time / intervalMs)` (the Redis lease's): the next check is then also
   * aimed just past the next tick's start, so a tick's poll begins right after the tick instead of up to
   * `checkEveryMs` later. The lease counts ticks on Redis's clock, the aim uses this process's: with clocks a few
   * milliseconds apart, the aimed check may come too early and the periodic one claims the tick.
   */
  readonly intervalMs?: number;
  /** How often a running poll renews its lease (well under the lease's length). */
  readonly renewEveryMs: number;
  readonly poll: (tick: number) => Promise<void>;
  readonly onError: (err: unknown) => void;
}

/**
 * Every replica runs this loop; the lease lets exactly one of them poll per interval tick. A replica never runs
 * two polls itself (the loop waits for its poll), and `stop` waits for a running poll, then releases the lease so
 * that another replica can take the next tick at once.
 */
export function startPollSchedule(opts: PollScheduleOptions): { stop(): Promise<void> } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  const once = async (): Promise<void> => {
    const claim = await opts.lease.claim();
    if (claim === null) return;
    // A lost lease (this process stalled past its TTL) is reported, not fatal: another replica may poll meanwhile,
    // and every command still goes through the decider on its stream, so the overlap writes nothing twice.
    const renewal = setInterval(() => {
      claim
        .renew()
        .then((held) => held || opts.onError(new Error(`alarm poll lease for tick ${claim.tick} lost while polling`)))
        .catch(opts.onError);
    }, opts.renewEveryMs);
    try {
      await opts.poll(claim.tick);
    } finally {
      clearInterval(renewal);
      await claim.release().catch(opts.onError);
    }
  };

  /** Until the next check: the check period, or sooner when the next tick starts sooner. */
  const nextDelay = (): number => {
    if (opts.intervalMs === undefined) return opts.checkEveryMs;
    const toNextTick = opts.intervalMs - (Date.now() % opts.intervalMs) + TICK_AIM_MS;
    return Math.min(opts.checkEveryMs, toNextTick);
  };
  const loop = (): void => {
    if (stopped) return;
    running = once()
      .catch(opts.onError)
      .finally(() => {
        if (!stopped) timer = setTimeout(loop, nextDelay());
      });
  };
  loop();

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
