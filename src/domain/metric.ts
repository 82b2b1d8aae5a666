/**
 * One numeric sample at full resolution, as the engine receives it.
 * `name` is `<measurement>.<field>` (Telegraf's measurement and field key), `ts` epoch milliseconds UTC.
 */
export interface MetricPoint {
  readonly name: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly ts: number;
  readonly value: number;
}

/** Why a decoded sample did not go to the engine; the drop ledger counts each reason separately. */
export type DropReason = 'not_allowlisted' | 'non_numeric_field' | 'bad_line' | 'dead_lettered' | 'invalid_point';

/** A batch of points bound for the engine: the unit of a forward job. `id` doubles as the idempotency key. */
export interface MetricBatch {
  readonly id: string;
  readonly points: readonly MetricPoint[];
}

export const metricName = (measurement: string, field: string): string => `${measurement}.${field}`;
