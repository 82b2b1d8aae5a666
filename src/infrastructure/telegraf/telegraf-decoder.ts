import { isAscii, isUtf8 } from 'node:buffer';
import type { DecodeContext, DecodeHandler, PayloadDecoder } from '../../application/ingest/payload-decoder.js';
import { InfluxLineDecoder } from './influx-line-decoder.js';
import { TelegrafJsonDecoder } from './telegraf-json-decoder.js';

const OPEN_BRACE = 0x7b;

/**
 * Decodes a Kafka message written by Telegraf: JSON when its first non-blank byte is `{`, line protocol
 * otherwise (`ctx.format` can force either). Invalid UTF-8 does not reject the whole payload: only the lines
 * (JSON: metrics) that hold a broken sequence become `bad_utf8`.
 */
export class TelegrafDecoder implements PayloadDecoder {
  private readonly influx = new InfluxLineDecoder();
  private readonly json = new TelegrafJsonDecoder();

  decode(payload: Buffer, ctx: DecodeContext, handler: DecodeHandler): void {
    const ascii = isAscii(payload);
    const validUtf8 = ascii || isUtf8(payload);
    const body = hasBom(payload) ? payload.subarray(3) : payload;
    const format = ctx.format ?? 'auto';
    if (format === 'json' || (format === 'auto' && firstNonBlank(body) === OPEN_BRACE)) {
      this.json.decode(body.toString('utf8'), ctx.nowMs, ctx.jsonTimeUnit ?? 's', handler, !validUtf8, ctx.limits);
    } else {
      // ASCII (the usual case): names are cut as latin1, no UTF-8 decoding; no string of the whole payload is made.
      this.influx.decode(body, ascii, ctx.nowMs, ctx.precision ?? 'ns', handler, validUtf8, ctx.limits);
    }
  }
}

function hasBom(payload: Buffer): boolean {
  return payload[0] === 0xef && payload[1] === 0xbb && payload[2] === 0xbf;
}

function firstNonBlank(payload: Buffer): number {
  for (let i = 0; i < payload.length; i++) {
    const b = payload[i];
    if (b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) return b ?? -1;
  }
  return -1;
}
