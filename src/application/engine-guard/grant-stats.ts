import type { GrantStats } from '../ports/engine-budget.js';

/** Ages of the last this-many used grants are kept for the percentiles; `max` covers every grant. */
const RECENT = 4096;

/** Recent samples for percentiles, and the maximum of all. */
class Samples {
  #n = 0;
  #max = 0;
  readonly #recent = new Float64Array(RECENT);

  add(ms: number): void {
    this.#recent[this.#n % RECENT] = ms;
    this.#n++;
    if (ms > this.#max) this.#max = ms;
  }

  get count(): number {
    return this.#n;
  }

  summary(): { p50: number; p99: number; max: number } {
    const recent = [...this.#recent.subarray(0, Math.min(this.#n, RECENT))].sort((a, b) => a - b);
    const at = (q: number): number => round(recent[Math.min(recent.length - 1, Math.floor(q * recent.length))] ?? 0);
    return { p50: at(0.5), p99: at(0.99), max: round(this.#max) };
  }
}

/** Counts used and expired grants and keeps their measured delays, so the bounds can be judged from data. */
export class GrantStatsRecorder {
  #expired = 0;
  readonly #ages = new Samples();
  readonly #answers = new Samples();

  used(ageMs: number): void {
    this.#ages.add(ageMs);
  }

  answered(ms: number): void {
    this.#answers.add(ms);
  }

  expired(): void {
    this.#expired++;
  }

  stats(): GrantStats {
    return { used: this.#ages.count, expired: this.#expired, ageMs: this.#ages.summary(), answerMs: this.#answers.summary() };
  }
}

const round = (ms: number): number => Math.round(ms * 100) / 100;
