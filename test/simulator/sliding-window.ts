/**
 * "The most calls in any sliding window": the figure an engine whose limiter is a sliding window (or a token
 * bucket without burst) judges us by. A window is half-open, [s, s + lengthMs), placed anywhere, not aligned to
 * wall-clock seconds: two calls belong to one window exactly when they arrived less than `lengthMs` apart.
 */

/** The most of `times` (ms, any order) that fit in one window of `lengthMs`. */
export const maxInAnySlidingWindow = (times: readonly number[], lengthMs = 1000): number => {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let last = 0, first = 0; last < sorted.length; last++) {
    while ((sorted[last] as number) - (sorted[first] as number) >= lengthMs) first++;
    best = Math.max(best, last - first + 1);
  }
  return best;
};

/**
 * The same figure kept up to date call by call, for times that never go backwards (the simulator stamps
 * arrivals with a monotonic clock): O(1) amortised per call, memory bounded by the calls of one window.
 */
export class SlidingWindowMax {
  #times: number[] = [];
  #first = 0;
  #max = 0;

  constructor(private readonly lengthMs = 1000) {}

  /** Records a call at `t` and returns how many calls the window ending at it holds. */
  add(t: number): number {
    this.#times.push(t);
    while (t - (this.#times[this.#first] as number) >= this.lengthMs) this.#first++;
    // Compact now and then so the array stays about one window long.
    if (this.#first > 1024 && this.#first * 2 > this.#times.length) {
      this.#times = this.#times.slice(this.#first);
      this.#first = 0;
    }
    const inWindow = this.#times.length - this.#first;
    if (inWindow > this.#max) this.#max = inWindow;
    return inWindow;
  }

  get max(): number {
    return this.#max;
  }
}

/** Arrival times per endpoint for a retention period, and the sliding-window maxima since the log was made. */
export class ArrivalLog {
  readonly #overall = new SlidingWindowMax(1000);
  readonly #maxima = new Map<string, SlidingWindowMax>();
  readonly #times = new Map<string, number[]>();

  add(endpoint: string, arrivalMs: number): void {
    this.#overall.add(arrivalMs);
    let max = this.#maxima.get(endpoint);
    if (max === undefined) this.#maxima.set(endpoint, (max = new SlidingWindowMax(1000)));
    max.add(arrivalMs);
    let times = this.#times.get(endpoint);
    if (times === undefined) this.#times.set(endpoint, (times = []));
    times.push(arrivalMs);
  }

  /** Forgets arrivals before `oldestMs` (the maxima keep counting them). */
  prune(oldestMs: number): void {
    for (const times of this.#times.values()) {
      const keep = times.findIndex((t) => t >= oldestMs);
      times.splice(0, keep < 0 ? times.length : keep);
    }
  }

  get max(): number {
    return this.#overall.max;
  }

  maxPerEndpoint(): Record<string, number> {
    return Object.fromEntries([...this.#maxima].map(([endpoint, w]) => [endpoint, w.max]));
  }

  times(): Record<string, number[]> {
    return Object.fromEntries([...this.#times].map(([endpoint, times]) => [endpoint, [...times]]));
  }
}
