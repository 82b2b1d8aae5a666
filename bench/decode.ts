/**
 * Ingest hot-path benchmark: Telegraf line protocol → decode → allowlist (10,000 entries) → tally → sink, on one
 * core. Run: `npx tsx bench/decode.ts [--seconds 3] [--rounds 5]`. `--full-lines N`: lines of a never-passing measurement decoded in full per tally interval before the rest are passed over (config ingest.fullLinesOfDroppedMeasurements; 0 = all). The last line printed is one JSON object.
 */
import { parseArgs } from 'node:util';
import { compileAllowlist } from '../src/domain/allowlist/compile-allowlist.js';
import { validateAllowlist } from '../src/domain/allowlist/validate-allowlist.js';
import { IngestStage } from '../src/application/ingest/ingest-stage.js';
import type { DecodeHandler } from '../src/application/ingest/payload-decoder.js';
import type { IngestSink } from '../src/application/ingest/ingest-stage.js';
import { MetricTally } from '../src/application/ingest/metric-tally.js';
import type { MetricPoint } from '../src/domain/metric.js';
import { TelegrafDecoder } from '../src/infrastructure/telegraf/telegraf-decoder.js';
import { DEFAULT_FULL_LINES_OF_DROPPED_MEASUREMENTS, DEFAULT_LINE_LIMITS, DEFAULT_MESSAGE_LIMITS } from '../src/application/ingest/ingest-defaults.js';
import { DEFAULT_POINT_RULES } from '../src/application/ingest/point-rules.js';
import { RealisticTelegraf } from './support/realistic-telegraf.js';

const { values: args } = parseArgs({ options: { seconds: { type: 'string', default: '3' }, rounds: { type: 'string', default: '5' }, 'full-lines': { type: 'string', default: String(DEFAULT_FULL_LINES_OF_DROPPED_MEASUREMENTS) } } });
const SECONDS = Number(args.seconds);
const ROUNDS = Number(args.rounds);
const LINES_PER_PAYLOAD = 200;
const TOTAL_LINES = 100_000;

const traffic = new RealisticTelegraf(42);

const start = Date.now();
const lines = traffic.lines(TOTAL_LINES, start);
const payloads: Buffer[] = [];
for (let i = 0; i < lines.length; i += LINES_PER_PAYLOAD) payloads.push(Buffer.from(lines.slice(i, i + LINES_PER_PAYLOAD).join('\n') + '\n'));
const singles = lines.slice(0, 20_000).map((l) => Buffer.from(l));
const bytes = payloads.reduce((n, p) => n + p.length, 0);

const entries = traffic.fieldAllowlist();
const validation = validateAllowlist({ version: 1, entries });
if (!validation.ok) throw new Error(JSON.stringify(validation.errors.slice(0, 3)));
const allowlist = compileAllowlist(validation.spec);

let accepted = 0;
let bad = 0;
let batch: MetricPoint[] = [];
const sink: IngestSink = {
  accept: (point) => {
    batch.push(point);
  },
  badLine: () => {
    bad++;
  },
};
const tally = new MetricTally();
// The service's default limits and point rules, so that their checks are part of what is measured. Taken from
// their constants, not through loadConfig: importing class-validator here alone cost ~10 % of the figures.
const stage = new IngestStage(new TelegrafDecoder(), tally, {
  message: DEFAULT_MESSAGE_LIMITS,
  points: DEFAULT_POINT_RULES,
  fullLinesOfDroppedMeasurements: Number(args['full-lines']) || Infinity,
});
const serviceCtx = { nowMs: start, limits: DEFAULT_LINE_LIMITS };

interface Rate {
  /** Lines per second of this process's CPU time: what one core does, whatever else shares the machine. */
  readonly cpu: number;
  readonly wall: number;
}

/** The service drains its tally (and so re-learns its field slots) every 5 s: TALLY_FLUSH_MS in src/main.ts. */
const DRAIN_EVERY_NS = 5_000_000_000n;
/** When the tally was last drained: kept across rounds, so that drains fall inside them as they come. */
let lastDrain = process.hrtime.bigint();

/** Repeats `pass` (which returns the lines it handled) for `seconds`, draining the tally as the service does. */
function measure(seconds: number, pass: () => number): Rate {
  let done = 0;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const deadline = t0 + BigInt(Math.round(seconds * 1e9));
  let now = t0;
  while (now < deadline) {
    done += pass();
    now = process.hrtime.bigint();
    if (now - lastDrain > DRAIN_EVERY_NS) {
      tally.drain();
      lastDrain = now;
    }
  }
  const cpu = process.cpuUsage(cpu0);
  return { cpu: done / ((cpu.user + cpu.system) / 1e6), wall: done / (Number(now - t0) / 1e9) };
}

const ingest = (set: readonly Buffer[], linesPerPayload: number) => (): number => {
  for (const payload of set) {
    stage.decodeAndFilter(payload, serviceCtx, allowlist, sink);
    accepted += batch.length;
    batch = []; // the batcher would take the array here
  }
  return set.length * linesPerPayload;
};
// The decoder alone, to tell decoding from the per-field work (allowlist, tally, points) in the total.
const decoder = new TelegrafDecoder();
const ignore: DecodeHandler = { line: () => undefined, badLine: () => undefined };
const decodeOnly = (): number => {
  for (const payload of payloads) decoder.decode(payload, { nowMs: start }, ignore);
  return TOTAL_LINES;
};

measure(1, ingest(payloads, LINES_PER_PAYLOAD)); // warm-up: let the JIT settle
accepted = 0;
const rounds: Rate[] = [];
for (let r = 0; r < ROUNDS; r++) rounds.push(measure(SECONDS, ingest(payloads, LINES_PER_PAYLOAD)));
const acceptedPerLine = accepted / rounds.reduce((n, rate) => n + rate.wall * SECONDS, 0);
measure(0.5, ingest(singles, 1));
const single = measure(SECONDS, ingest(singles, 1));
measure(0.5, decodeOnly);
const decodeAlone = measure(SECONDS, decodeOnly);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const cpuRate = median(rounds.map((r) => r.cpu));
const fieldsPerLine = lines.reduce((n, l) => n + (l.split(' ')[1]?.split(',').length ?? 0), 0) / lines.length;

console.log(`rounds, lines/s per CPU second: ${rounds.map((r) => Math.round(r.cpu).toLocaleString('en')).join(', ')}`);
console.log(`rounds, lines/s wall clock:     ${rounds.map((r) => Math.round(r.wall).toLocaleString('en')).join(', ')}`);
console.log(
  JSON.stringify({
    bench: 'decode',
    lines_per_s: Math.round(cpuRate),
    best_lines_per_s: Math.round(Math.max(...rounds.map((r) => r.cpu))),
    wall_lines_per_s: Math.round(median(rounds.map((r) => r.wall))),
    mb_per_s: Math.round(((cpuRate * (bytes / TOTAL_LINES)) / 1e6) * 10) / 10,
    points_in_per_s: Math.round(cpuRate * fieldsPerLine),
    points_out_per_s: Math.round(cpuRate * acceptedPerLine),
    pass_ratio: Math.round((acceptedPerLine / fieldsPerLine) * 1000) / 1000,
    single_line_payload_lines_per_s: Math.round(single.cpu),
    decode_only_lines_per_s: Math.round(decodeAlone.cpu),
    allowlist_entries: allowlist.shape.entries,
    lines_per_payload: LINES_PER_PAYLOAD,
    avg_line_bytes: Math.round(bytes / TOTAL_LINES),
    fields_per_line: Math.round(fieldsPerLine * 10) / 10,
    bad_lines: bad,
    node: process.version,
  }),
);
