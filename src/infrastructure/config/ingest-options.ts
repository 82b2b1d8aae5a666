import type { IngestStageOptions } from '../../application/ingest/ingest-stage.js';
import type { DecodeLimits, PayloadFormat, TimePrecision } from '../../application/ingest/payload-decoder.js';
import type { AppConfig } from './config-schema.js';

/** Telegraf's `json_timestamp_units` spelling → the decoder's unit. */
const JSON_UNITS = { '1s': 's', '1ms': 'ms', '1us': 'us', '1ns': 'ns' } as const satisfies Record<string, TimePrecision>;

/** The per-message decode context the service uses, without `nowMs` (set per message). */
export function decodeContextOf(config: AppConfig): {
  format: PayloadFormat;
  precision: TimePrecision;
  jsonTimeUnit: TimePrecision;
  limits: DecodeLimits;
} {
  const l = config.ingest.limits;
  return {
    format: config.kafka.format,
    precision: config.kafka.precision,
    jsonTimeUnit: JSON_UNITS[config.kafka.jsonTimestampUnits],
    limits: { maxFieldsPerLine: l.maxFieldsPerLine, maxTagsPerLine: l.maxTagsPerLine, maxNameLength: l.maxNameLength, maxJsonDepth: l.maxJsonDepth },
  };
}

/** Message bounds and point rules of the ingest stage, from config. */
export function stageOptionsOf(config: AppConfig): IngestStageOptions {
  const { limits, points, fullLinesOfDroppedMeasurements } = config.ingest;
  return {
    fullLinesOfDroppedMeasurements: fullLinesOfDroppedMeasurements === 0 ? Infinity : fullLinesOfDroppedMeasurements,
    message: { maxMessageBytes: limits.maxMessageBytes, maxLinesPerMessage: limits.maxLinesPerMessage },
    points: {
      minTsMs: Date.parse(points.notBefore),
      maxAheadMs: points.maxAheadMs,
      maxMetricNameLength: points.maxMetricNameLength,
      maxTagsPerPoint: points.maxTagsPerPoint,
      maxTagKeyLength: points.maxTagKeyLength,
      maxTagValueLength: points.maxTagValueLength,
    },
  };
}
