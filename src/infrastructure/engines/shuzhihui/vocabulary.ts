import type { AlarmLevel } from '../../../domain/alarm.js';
import { type Check, contractError, oneOf } from './shape.js';

/**
 * The engine's small vocabularies: Shanghai wall-clock times and level numbers. Both directions live together
 * so a change in the engine's conventions is one edit.
 */

// Asia/Shanghai has had no daylight saving since 1991: a fixed +08:00 is exact for any time the engine reports.
const SHANGHAI_OFFSET_MS = 8 * 3_600_000;
const LOCAL_TIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

/** `"2025-11-24 10:00:00"` (Shanghai) → `"2025-11-24T02:00:00.000Z"`. */
export const shanghaiTime: Check<string> = (v, path) => {
  const m = typeof v === 'string' ? LOCAL_TIME.exec(v) : null;
  if (!m) throw contractError(path, 'time "yyyy-MM-dd HH:mm:ss"', v);
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const utc = Date.UTC(y, mo - 1, d, h, mi, s);
  // Date.UTC rolls "02-30" over to March; a rolled-over date is not the time the engine meant.
  const back = new Date(utc);
  if (back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || s > 59)
    throw contractError(path, 'a valid calendar time', v);
  return new Date(utc - SHANGHAI_OFFSET_MS).toISOString();
};

/** Epoch milliseconds → ISO-8601 UTC; the engine's trend points use epoch ms. */
export const epochMs: Check<string> = (v, path) => {
  if (typeof v !== 'number' || !Number.isInteger(v) || Math.abs(v) > 8.64e15) throw contractError(path, 'epoch milliseconds', v);
  return new Date(v).toISOString();
};

const LEVELS: Record<1 | 2 | 3 | 4, AlarmLevel> = { 1: 'critical', 2: 'major', 3: 'minor', 4: 'warning' };
const LEVEL_NUMBERS: Record<AlarmLevel, 1 | 2 | 3 | 4> = { critical: 1, major: 2, minor: 3, warning: 4 };

export const levelFromEngine: Check<AlarmLevel> = (v, path) => LEVELS[oneOf(1, 2, 3, 4)(v, path)];
export const levelToEngine = (level: AlarmLevel): 1 | 2 | 3 | 4 => LEVEL_NUMBERS[level];
