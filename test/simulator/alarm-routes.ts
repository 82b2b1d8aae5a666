import { publicAlarm } from './alarms.js';
import { isRecord } from './http-io.js';
import { invalid, pageOf, parsePage, type Reply } from './reply.js';
import type { RouteContext } from './route-context.js';

export const currentAlarms = ({ state, body }: RouteContext): Reply => {
  const parsed = parsePage(body);
  if (parsed.kind === 'invalid') return parsed.reply;
  const { failPage, shapeChange } = state.faults.faults;
  return pageOf(state.alarms.current(), parsed.page, publicAlarm, failPage, shapeChange);
};

const optionalMs = (v: unknown): number | undefined | null =>
  v === undefined || v === null ? undefined : typeof v === 'number' && Number.isInteger(v) ? v : null;

/** History: alarms active at any time in [startTime, endTime] (epoch ms, both optional), firing ones included. */
export const alarmHistory = ({ state, body }: RouteContext): Reply => {
  const parsed = parsePage(body);
  if (parsed.kind === 'invalid') return parsed.reply;
  const b = isRecord(body) ? body : {};
  const start = optionalMs(b.startTime);
  const end = optionalMs(b.endTime);
  if (start === null) return invalid('startTime', 'must be epoch milliseconds');
  if (end === null) return invalid('endTime', 'must be epoch milliseconds');
  const { failPage, shapeChange } = state.faults.faults;
  return pageOf(state.alarms.history(start ?? 0, end ?? Number.MAX_SAFE_INTEGER), parsed.page, publicAlarm, failPage, shapeChange);
};
