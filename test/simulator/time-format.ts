/**
 * The engine answers with "yyyy-MM-dd HH:mm:ss" in Asia/Shanghai and no zone marker. China has had no daylight
 * saving since 1991, so a fixed +8 h offset is exact and avoids depending on the host's ICU time-zone data.
 */
const SHANGHAI_OFFSET_MS = 8 * 3600 * 1000;

export const formatShanghai = (epochMs: number): string =>
  new Date(epochMs + SHANGHAI_OFFSET_MS).toISOString().slice(0, 19).replace('T', ' ');

/** Inverse of formatShanghai, for tests and for clients that must convert back to UTC. */
export const parseShanghai = (text: string): number => Date.parse(`${text.replace(' ', 'T')}+08:00`);
