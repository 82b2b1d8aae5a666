import type { PollLease } from '../ports/poll-lease.js';

export interface PollScheduleOptions {
  readonly lease: PollLease;
  /** How often this replica asks for the lease: a fraction of the interval, so a tick is claimed early in it. */
  readonly checkEveryMs: number;
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

  const loop = (): void => {
    if (stopped) return;
    running = once()
      .catch(opts.onError)
      .finally(() => {
        if (!stopped) timer = setTimeout(loop, opts.checkEveryMs);
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
