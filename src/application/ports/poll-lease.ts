/**
 * Fleet-wide poll scheduling: `claim` succeeds for exactly one caller per interval tick across every replica, and
 * never while another claimed poll is still running. The winner `release`s when its poll ends; a winner that dies
 * holds the poll up for at most its lease (then the fleet polls again). `renew` keeps a slow poll's lease alive.
 */
export interface PollLease {
  claim(): Promise<PollClaim | null>;
}

export interface PollClaim {
  /** The interval tick this claim is for (floor(serverTimeMs / intervalMs)). */
  readonly tick: number;
  /** false when the lease was lost meanwhile (expired and taken): the poll should stop writing. */
  renew(): Promise<boolean>;
  release(): Promise<void>;
}
