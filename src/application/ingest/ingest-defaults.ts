import type { MessageLimits } from './ingest-stage.js';
import type { DecodeLimits } from './payload-decoder.js';

/**
 * The service's default bounds on bad input (config `ingest.limits`, IngestLimitsConfig takes its defaults from
 * here). Well above anything Telegraf writes; see docs/architecture.md, "Bad input and limits".
 */
export const DEFAULT_MESSAGE_LIMITS: MessageLimits = { maxMessageBytes: 4 * 1024 * 1024, maxLinesPerMessage: 100_000 };
export const DEFAULT_LINE_LIMITS: DecodeLimits = { maxFieldsPerLine: 1_000, maxTagsPerLine: 256, maxNameLength: 256, maxJsonDepth: 64 };
/** Config `ingest.fullLinesOfDroppedMeasurements` (see IngestStageOptions.fullLinesOfDroppedMeasurements). */
export const DEFAULT_FULL_LINES_OF_DROPPED_MEASUREMENTS = 16;
