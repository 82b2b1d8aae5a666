import { alarmJsonText, alarmViewDocOf } from '../../application/alarms/alarm-view-json.js';
import type { AlarmViewDoc } from '../../application/ports/alarm-view-store.js';

// Hash fields read per alarm (layout: redis-alarm-view-scripts.ts). `doc` is the shape written before the API JSON
// was stored (`body` + the two event fields): such a hash is still read, so an upgrade needs no downtime; the
// projection's next write of the alarm, or `projections rebuild alarm-view`, rewrites it in the new shape (the
// upsert script deletes `doc`).
export const DOC_FIELDS = ['body', 'eventId', 'eventType', 'doc'];
export const JSON_FIELDS = ['body', 'doc'];

export const docFrom = ([body, eventId, eventType, legacy]: readonly (string | null)[]): AlarmViewDoc | null =>
  body ? alarmViewDocOf(body, eventId ?? '', eventType as AlarmViewDoc['lastEventType']) : legacy ? (JSON.parse(legacy) as AlarmViewDoc) : null;

/** The alarm's API JSON as UTF-8 bytes, as Redis returned them (no decode here, no encode when it is sent). */
export const jsonFrom = ([body, legacy]: readonly (Buffer | null)[]): Buffer | null =>
  body ?? (legacy ? Buffer.from(alarmJsonText(JSON.parse(legacy.toString('utf8')) as AlarmViewDoc), 'utf8') : null);

/** `flat` cut into rows of `width` fields, each decoded; '' (a field the hash lacks: the script cannot return nil inside an array) is null. */
export const rows = <V extends string | Buffer, T>(flat: readonly V[], width: number, decode: (row: readonly (V | null)[]) => T | null): T[] => {
  const out: T[] = [];
  for (let i = 0; i < flat.length; i += width) {
    const row = decode(flat.slice(i, i + width).map((v) => (v.length > 0 ? v : null)));
    if (row !== null) out.push(row);
  }
  return out;
};
