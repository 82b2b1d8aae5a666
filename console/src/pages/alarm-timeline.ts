import { fmt, h, when } from '../dom.js';

export interface AlarmState { id: string; ruleId: string; ruleName: string; metric: string; tags: Record<string, string>; severity: string; status: 'firing' | 'resolved'; value: number | null; summary: string; startsAt: string; lastSeenAt: string; resolvedAt: string | null }
type EventType = 'AlarmRaised' | 'AlarmUpdated' | 'AlarmResolved';
export interface TimelineParts {
  history: { id: string; type: EventType; version: number; at: string; alarm: AlarmState }[];
  acknowledgements: { by: string; at: string; note: string | null }[];
  deliveries: { sink: string; eventId: string; eventType: EventType; eventVersion: number; outcome: 'delivered' | 'retrying' | 'dead-lettered' | 'sink-disabled'; attempts: number; reason: string | null; at: string }[];
}

const VERB: Record<EventType, string> = { AlarmRaised: 'raised', AlarmUpdated: 'updated', AlarmResolved: 'resolved' };
const OUTCOME: Record<TimelineParts['deliveries'][number]['outcome'], string> = {
  delivered: 'delivered', retrying: 'retrying', 'dead-lettered': 'dead-lettered', 'sink-disabled': 'sink disabled',
};
const attempts = (n: number): string => `${n} attempt${n === 1 ? '' : 's'}`;

/**
 * One alarm's timeline: its events, acknowledgements and deliveries merged by time (ties keep that order, so an
 * event comes before its deliveries). Deliveries are the sinks' side of the story and are drawn smaller, indented,
 * with a square marker, so the engine's events stay the spine of the timeline.
 */
export function alarmTimeline(a: TimelineParts): HTMLElement {
  const items: { at: number; el: HTMLElement }[] = [
    ...a.history.map((e) => ({
      at: Date.parse(e.at),
      el: h('li', { class: `ev ev-${VERB[e.type]}` }, h('strong', {}, VERB[e.type]),
        ` ${when(e.at)} · value ${fmt(e.alarm.value)} · ${e.alarm.severity}${e.type === 'AlarmResolved' && e.alarm.resolvedAt ? ` · resolved at ${when(e.alarm.resolvedAt)}` : ''}`),
    })),
    ...a.acknowledgements.map((k) => ({
      at: Date.parse(k.at),
      el: h('li', { class: 'ev ev-ack' }, h('strong', {}, 'acknowledged'), ` ${when(k.at)} by ${k.by}${k.note ? `: ${k.note}` : ''}`),
    })),
    ...a.deliveries.map((d) => ({
      at: Date.parse(d.at),
      el: h('li', { class: `ev ev-delivery out-${d.outcome}`, 'data-sink': d.sink },
        h('span', { class: 'sink' }, d.sink), ' ', h('strong', {}, OUTCOME[d.outcome]),
        ` ${VERB[d.eventType]} (v${d.eventVersion}) · ${attempts(d.attempts)} · ${when(d.at)}${d.reason ? ` · ${d.reason}` : ''}`),
    })),
  ];
  items.sort((x, y) => x.at - y.at);
  return h('ol', { class: 'timeline', 'aria-label': 'Event timeline' }, ...items.map((i) => i.el));
}
