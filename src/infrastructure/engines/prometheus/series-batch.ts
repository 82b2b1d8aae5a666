import type { MetricPoint } from '../../../domain/metric.js';
import { encodeMetricName, encodeTags } from './series-names.js';

export interface RemoteWriteSeries {
  labels: { __name__: string; [label: string]: string };
  samples: { value: number; timestamp: number }[];
}

/**
 * Points grouped by series, samples in time order (Prometheus appends per series in order), labels sorted by
 * name as the remote-write specification asks.
 */
export function seriesOf(points: readonly MetricPoint[]): RemoteWriteSeries[] {
  const bySeries = new Map<string, RemoteWriteSeries>();
  for (const p of points) {
    const labels: Record<string, string> = { __name__: encodeMetricName(p.name), ...encodeTags(p.tags) };
    const names = Object.keys(labels).sort();
    const key = JSON.stringify(names.map((n) => [n, labels[n]]));
    let s = bySeries.get(key);
    if (!s) {
      s = { labels: Object.fromEntries(names.map((n) => [n, labels[n] as string])) as RemoteWriteSeries['labels'], samples: [] };
      bySeries.set(key, s);
    }
    s.samples.push({ value: p.value, timestamp: p.ts });
  }
  for (const s of bySeries.values()) s.samples.sort((a, b) => a.timestamp - b.timestamp);
  return [...bySeries.values()];
}
