import { IngestStage, type IngestSink, type IngestStageOptions } from '../../../src/application/ingest/ingest-stage.js';
import { MetricTally } from '../../../src/application/ingest/metric-tally.js';
import type { DecodeContext } from '../../../src/application/ingest/payload-decoder.js';
import type { CompiledAllowlist } from '../../../src/domain/allowlist/compile-allowlist.js';
import type { MetricPoint } from '../../../src/domain/metric.js';
import { TelegrafDecoder } from '../../../src/infrastructure/telegraf/telegraf-decoder.js';

/** An ingest stage on the real decoder, with a sink that records accepted points and bad lines. */
export function stageRig(
  options: ConstructorParameters<typeof MetricTally>[0] = {},
  defaultCtx: DecodeContext = { nowMs: 5_000 },
  stageOptions: IngestStageOptions = {},
) {
  const tally = new MetricTally(options);
  const stage = new IngestStage(new TelegrafDecoder(), tally, stageOptions);
  const points: MetricPoint[] = [];
  const bad: [string, string][] = [];
  const sink: IngestSink = { accept: (p) => points.push(p), badLine: (reason, raw) => bad.push([reason, raw]) };
  const run = (payload: string, allowlist: CompiledAllowlist, ctx: DecodeContext = defaultCtx) => stage.decodeAndFilter(Buffer.from(payload), ctx, allowlist, sink);
  return { tally, stage, points, bad, sink, run };
}
