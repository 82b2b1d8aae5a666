import { get } from '../api.js';
import { clear, fmt, h, notice, when } from '../dom.js';
import { alarmTimeline, type AlarmState, type TimelineParts } from './alarm-timeline.js';

interface Alarm extends AlarmState { version: number; updatedAt: string }
type AlarmDetail = Alarm & TimelineParts;

const FILTERS = [
  ['status', 'Status', ['', 'firing', 'resolved']],
  ['severity', 'Severity', ['', 'critical', 'major', 'minor', 'warning']],
] as const;

/** Alarms: current and past with filters (newest first, cursor pages), and one alarm's event timeline. */
export async function alarmsPage(main: HTMLElement): Promise<() => void> {
  const selects = FILTERS.map(([name, label, choices]) => {
    const s = h('select', { id: `alarm-${name}`, name }, ...choices.map((c) => h('option', { value: c }, c || 'any')));
    return { name, label, el: s };
  });
  const metric = h('input', { id: 'alarm-metric', name: 'metric', autocomplete: 'off' });
  const text = h('input', { id: 'alarm-text', name: 'text', autocomplete: 'off', type: 'search' });
  const status = h('div', { 'aria-live': 'polite' });
  const list = h('div');
  const detail = h('section', { 'aria-label': 'Alarm detail' });
  let next: string | null = null;
  let rows: HTMLElement | undefined;

  const query = (): string => {
    const q = new URLSearchParams({ limit: '50' });
    for (const s of selects) if (s.el.value) q.set(s.name, s.el.value);
    if (metric.value.trim()) q.set('metric', metric.value.trim());
    if (text.value.trim()) q.set('text', text.value.trim());
    return q.toString();
  };

  const showDetail = async (id: string): Promise<void> => {
    const a = await get<AlarmDetail>(`/alarms/${encodeURIComponent(id)}`);
    clear(detail);
    detail.append(
      h('h2', {}, `${a.ruleName}: ${a.summary}`),
      h('p', {}, h('code', {}, a.metric), ` ${Object.entries(a.tags).map(([k, v]) => `${k}=${v}`).join(', ')} · ${a.severity} · ${a.status} · id ${a.id}`),
      alarmTimeline(a),
      h('p', { class: 'help' }, a.deliveries.length
        ? 'Indented entries are deliveries: what each sink (the platform\'s webhook, Alertmanager) did with each event.'
        : 'No delivery recorded for this alarm (no sink enabled, or not delivered yet).'),
    );
    detail.querySelector('h2')?.setAttribute('tabindex', '-1');
    (detail.querySelector('h2') as HTMLElement | null)?.focus();
  };

  const load = async (append: boolean): Promise<void> => {
    clear(status);
    const page = await get<{ alarms: Alarm[]; next: string | null }>(`/alarms?${query()}${append && next ? `&cursor=${encodeURIComponent(next)}` : ''}`);
    next = page.next;
    if (!append || !rows) {
      clear(list);
      rows = h('tbody');
      list.append(h('table', { class: 'alarms' }, h('caption', {}, 'Alarms, newest first'), h('thead', {}, h('tr', {}, ...['Started', 'Status', 'Severity', 'Rule', 'Metric', 'Tags', 'Value', 'Resolved'].map((c) => h('th', { scope: 'col' }, c)))), rows));
    }
    for (const a of page.alarms) {
      rows.append(h('tr', {},
        h('td', {}, h('button', { type: 'button', class: 'link-like', onclick: () => void showDetail(a.id), 'aria-label': `Open alarm ${a.ruleName} started ${when(a.startsAt)}` }, when(a.startsAt))),
        h('td', {}, h('span', { class: `st st-${a.status}` }, a.status)), h('td', {}, h('span', { class: `sev sev-${a.severity}` }, a.severity)),
        h('td', {}, a.ruleName), h('td', {}, h('code', {}, a.metric)), h('td', {}, Object.entries(a.tags).map(([k, v]) => `${k}=${v}`).join(', ') || '–'),
        h('td', { class: 'num' }, fmt(a.value)), h('td', {}, when(a.resolvedAt))));
    }
    if (!append && page.alarms.length === 0) rows.append(h('tr', {}, h('td', { colspan: 8 }, 'No alarm matches.')));
    more.hidden = next === null;
  };
  const more = h('button', { type: 'button', class: 'secondary', hidden: true, onclick: () => void load(true) }, 'More');

  main.append(
    h('h1', {}, 'Alarms'),
    h('form', { class: 'toolbar', onsubmit: (e: Event) => { e.preventDefault(); void load(false).catch((err: Error) => status.append(notice(err.message, 'error'))); } },
      ...selects.map((s) => h('div', { class: 'field' }, h('label', { for: s.el.id }, s.label), s.el)),
      h('div', { class: 'field' }, h('label', { for: 'alarm-metric' }, 'Metric'), metric),
      h('div', { class: 'field' }, h('label', { for: 'alarm-text' }, 'Text'), text),
      h('button', { type: 'submit' }, 'Filter')),
    status, list, more, detail,
  );
  await load(false);
  return () => undefined;
}

/** Alarm start times for a metric in a range (the Trends chart's marks). */
export async function alarmMarks(metricName: string, fromIso: string, toIso: string): Promise<{ at: number; label: string }[]> {
  const q = new URLSearchParams({ metric: metricName, from: fromIso, to: toIso, limit: '200' });
  const page = await get<{ alarms: Alarm[] }>(`/alarms?${q.toString()}`);
  return page.alarms.map((a) => ({ at: Date.parse(a.startsAt) / 1000, label: `${a.ruleName} (${a.severity})` }));
}
