/** One point of a trend: observed value (null where none, or in the future) and the model's band. */
export interface TrendPoint {
  readonly at: string; // ISO-8601 UTC
  readonly actual: number | null;
  readonly predicted: number | null;
  readonly lower: number | null;
  readonly upper: number | null;
}

export interface TrendQuery {
  readonly metric: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly startMs: number;
  readonly endMs: number;
  readonly stepSeconds: number;
}

export interface Trend {
  readonly metric: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly points: readonly TrendPoint[];
}
