import type { DecodeContext } from '../../../src/application/ingest/payload-decoder.js';
import { TelegrafDecoder } from '../../../src/infrastructure/telegraf/telegraf-decoder.js';

/** A decoded line as plain data; string fields show as 'string'. */
export interface Decoded {
  readonly m: string;
  readonly tags: Record<string, string>;
  readonly fields: Record<string, number | 'string'>;
  readonly ts: number;
}

export interface Outcome {
  readonly points: Decoded[];
  readonly bad: [reason: string, raw: string][];
}

const decoder = new TelegrafDecoder();

/** Decodes a payload through the real TelegrafDecoder and records everything it reports. */
export function decode(payload: string | Buffer, ctx: Partial<DecodeContext> = {}): Outcome {
  const points: Decoded[] = [];
  const bad: [string, string][] = [];
  decoder.decode(typeof payload === 'string' ? Buffer.from(payload) : payload, { nowMs: 1_000_000, ...ctx }, {
    line(line) {
      // fromEntries, not assignment: a key named __proto__ stays a key.
      const tags: Record<string, string> = Object.fromEntries(Array.from({ length: line.tagCount }, (_, i) => [line.tagKey(i), line.tagValue(i)]));
      const fields: Record<string, number | 'string'> = Object.fromEntries(
        Array.from({ length: line.fieldCount }, (_, i) => [line.fieldKey(i), line.fieldIsNumeric(i) ? line.fieldValue(i) : 'string']),
      );
      points.push({ m: line.measurement, tags, fields, ts: line.tsMs });
    },
    badLine(reason, raw) {
      bad.push([reason, raw]);
    },
  });
  return { points, bad };
}
