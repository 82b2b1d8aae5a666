import { Router } from 'express';
import { acknowledgeAlarm, acknowledgementsOf } from '../../application/alarms/acknowledge-alarm.js';
import { alarmJsonOf as alarmBody } from '../../application/alarms/alarm-view-json.js';
import { getAlarmWithHistory } from '../../application/alarms/alarm-with-history.js';
import type { AlarmQuery, AlarmViewStore } from '../../application/ports/alarm-view-store.js';
import type { EventStore } from '../../application/ports/event-store.js';
import type { DeliveryRecord, DeliveryRecords } from '../../application/ports/delivery-records.js';
import { actorOf, requireScope } from './auth.js';
import { jsonArrayPage, sendJsonBytes } from './json-bytes.js';
import { problemOf } from './problem.js';

const KNOWN = new Set(['status', 'severity', 'metric', 'ruleId', 'from', 'to', 'text', 'limit', 'cursor']);
const TAG = /^tag\.(.{1,128})$/;

/**
 * Alarms from the alarm-view read model (filters ANDed, newest first, stable cursor), and one alarm with its event
 * history from the event store. The contract has checked the documented parameters; `tag.<key>` filters are ours.
 */
export const alarmRoutes = (deps: { view: AlarmViewStore; store: EventStore; deliveries: Pick<DeliveryRecords, 'forAlarm'> }): Router => {
  const r = Router();
  r.get('/api/v1/alarms', requireScope('read'), async (req, res) => {
    const q = req.query as Record<string, string | undefined>;
    const tags: Record<string, string> = {};
    const errors: { pointer: string; message: string }[] = [];
    for (const [name, raw] of Object.entries(req.query)) {
      if (KNOWN.has(name)) continue;
      const tag = TAG.exec(name);
      if (!tag?.[1]) errors.push({ pointer: `query.${name}`, message: 'unknown parameter (tag filters are tag.<key>=<value>)' });
      else if (typeof raw !== 'string' || raw === '') errors.push({ pointer: `query.${name}`, message: 'must appear once, with a value' });
      else tags[tag[1]] = raw;
    }
    for (const k of ['from', 'to'] as const) if (q[k] && !Number.isFinite(Date.parse(q[k]))) errors.push({ pointer: `query.${k}`, message: 'is not a time' });
    if (q.from && q.to && !(Date.parse(q.from) < Date.parse(q.to))) errors.push({ pointer: 'query.from', message: 'must be before to' });
    if (errors.length) throw problemOf(400, 'the alarm query is not valid', { type: '/problems/validation', title: 'The request does not match the API contract', errors });
    const query: AlarmQuery = {
      ...(q.status && { status: q.status as AlarmQuery['status'] }),
      ...(q.severity && { severity: q.severity as AlarmQuery['severity'] }),
      ...(q.metric && { metric: q.metric }),
      ...(q.ruleId && { ruleId: q.ruleId }),
      ...(Object.keys(tags).length && { tags }),
      ...(q.from && { from: new Date(q.from).toISOString() }),
      ...(q.to && { to: new Date(q.to).toISOString() }),
      ...(q.text && { text: q.text }),
      limit: Number(q.limit ?? 50),
      ...(q.cursor && { cursor: q.cursor }),
    };
    const page = await deps.view.queryJson(query).catch((err: unknown) => {
      throw err instanceof RangeError ? problemOf(400, err.message, { type: '/problems/validation', errors: [{ pointer: 'query.cursor', message: err.message }] }) : err;
    });
    // The hot route (`npm run bench -- api`): the page is joined from the alarms' stored JSON, never parsed here.
    sendJsonBytes(res, jsonArrayPage('alarms', page.items, `"next":${JSON.stringify(page.next)}`));
  });
  r.get('/api/v1/alarms/:id', requireScope('read'), async (req, res) => {
    const found = await getAlarmWithHistory(deps.view, deps.store, String(req.params.id));
    if (!found) throw problemOf(404, `no alarm ${String(req.params.id)}`);
    const [acknowledgements, deliveries] = await Promise.all([acknowledgementsOf(deps.store, found.alarm.id), deps.deliveries.forAlarm(found.alarm.id)]);
    res.json({
      ...alarmBody(found),
      history: found.history.map((e) => ({ id: e.id, type: e.type, version: e.streamVersion, at: e.time, alarm: e.data.alarm })),
      acknowledgements,
      // What each sink did with each event (an audit record beside the events, oldest outcome first).
      deliveries: deliveries.map(deliveryBody),
    });
  });
  r.post('/api/v1/alarms/:id/ack', requireScope('write'), async (req, res) => {
    const alarmId = String(req.params.id);
    if (!(await deps.view.get(alarmId))) throw problemOf(404, `no alarm ${alarmId}`);
    const note = (req.body as { note?: string } | undefined)?.note ?? null;
    res.status(201).json(await acknowledgeAlarm(deps.store, alarmId, actorOf(req), note));
  });
  return r;
};

/** A delivery record as the contract's `Delivery` (alarm id and log position stay internal). */
const deliveryBody = (d: DeliveryRecord) => ({ sink: d.sink, eventId: d.eventId, eventType: d.eventType, eventVersion: d.eventVersion, outcome: d.outcome, attempts: d.attempts, reason: d.reason, at: d.at });
