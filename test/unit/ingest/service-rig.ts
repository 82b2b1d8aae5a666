import { IngestPipeline, type RejectedMessage, type SourcePosition } from '../../../src/application/forwarding/ingest-pipeline.js';
import { IngestStage } from '../../../src/application/ingest/ingest-stage.js';
import { MetricTally } from '../../../src/application/ingest/metric-tally.js';
import type { MetricQueue } from '../../../src/application/ports/metric-queue.js';
import { compileAllowlist } from '../../../src/domain/allowlist/compile-allowlist.js';
import type { MetricBatch } from '../../../src/domain/metric.js';
import { loadConfig } from '../../../src/infrastructure/config/load-config.js';
import { decodeContextOf, stageOptionsOf } from '../../../src/infrastructure/config/ingest-options.js';
import { TelegrafDecoder } from '../../../src/infrastructure/telegraf/telegraf-decoder.js';

export const NOW = Date.UTC(2026, 11, 1, 12, 0, 0);
export const NS = (ms: number) => `${ms}000000`;
const allowlist = compileAllowlist({ version: 1, entries: [{ measurement: 'cpu', fields: ['*'] }] });

/**
 * The service's wiring of stage and pipeline (as src/main.ts builds them), configured like the service from
 * `ingest.limits`, other sections (`more`) and `ingest.points`, with an in-memory queue; allowlist: every cpu field.
 */
export function rig(limits: Record<string, unknown> = {}, more: Record<string, unknown> = {}, pointRules: Record<string, unknown> = {}) {
  const config = loadConfig({ env: {}, forTool: true, overrides: { ...more, ingest: { limits, points: pointRules } } });
  const tally = new MetricTally();
  const stage = new IngestStage(new TelegrafDecoder(), tally, stageOptionsOf(config));
  const ctx = { ...decodeContextOf(config), nowMs: NOW };
  const enqueued: MetricBatch[] = [];
  const commits: SourcePosition[] = [];
  const quarantined: string[] = [];
  const rejected: RejectedMessage[] = [];
  const queue: MetricQueue = {
    enqueue: async (b) => void enqueued.push(...b),
    backlog: async () => ({ waiting: 0, active: 0, delayed: 0, failed: 0 }),
    close: async () => {},
  };
  const pipeline = new IngestPipeline({
    decode: (payload, sink) => stage.decodeAndFilter(payload, ctx, allowlist, sink),
    queue,
    commit: async (next) => void commits.push(...next),
    onBadLines: (lines) => quarantined.push(...lines.map((l) => `${l.offset}:${l.reason}`)),
    onRejectedMessage: (r) => {
      rejected.push(r);
      tally.badLine(r.reason);
    },
    limits: { maxPoints: 5000, maxBytes: 3_000_000 },
    maxLingerMs: 10,
    newBatchId: (s) => `b${s}`,
  });
  const feed = async (...payloads: string[]) => {
    for (const [i, p] of payloads.entries()) await pipeline.process({ topic: 't', partition: 0, offset: String(i) }, Buffer.from(p));
    await pipeline.flush();
  };
  const names = () => enqueued.flatMap((b) => b.points.map((p) => `${p.name}@${p.ts}`));
  const points = () => enqueued.flatMap((b) => b.points);
  return { feed, names, points, commits, quarantined, rejected, tally, enqueued };
}

