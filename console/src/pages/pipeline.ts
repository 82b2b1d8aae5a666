import type uPlot from 'uplot';
import { get } from '../api.js';
import { sparkline } from '../charts.js';
import { clear, fmt, h, notice, when } from '../dom.js';

interface Status {
  roles: string[];
  allowlist: { activeVersion: string | null; activeSince: string | null; entries?: number; rejectedTotal?: number } | null;
  ingestPaused: boolean | null;
  breaker: 'closed' | 'open' | 'half_open';
  budget: { rate?: number; inWindow?: number; blockedForMs?: number };
  forwardBacklog: { waiting?: number; active?: number; delayed?: number; failed?: number };
}
interface History {
  stepSeconds: number;
  points: { at: string; values: Record<string, number> }[];
}

const REFRESH_MS = 10_000;
const sumWhere = (v: Record<string, number>, prefix: string): number =>
  Object.entries(v).reduce((s, [k, n]) => (k.startsWith(prefix) ? s + n : s), 0);

const tile = (label: string, value: string, extra?: Node | string): HTMLElement =>
  h('div', { class: 'tile' }, h('div', { class: 'tile-label' }, label), h('div', { class: 'tile-value' }, value), extra ?? null);

/** Pipeline: what flows, what is dropped and why, how far behind we are, how the engine is doing. */
export async function pipelinePage(main: HTMLElement): Promise<() => void> {
  const body = h('div');
  main.append(h('h1', {}, 'Pipeline'), body);
  let charts: uPlot[] = [];
  const draw = async (): Promise<void> => {
    const [status, history] = await Promise.all([get<Status>('/status'), get<History>('/status/history?minutes=60')]);
    charts.forEach((c) => c.destroy());
    charts = [];
    clear(body);
    const step = history.stepSeconds;
    const pts = history.points;
    // The newest bucket is still filling: rates come from the last complete one.
    const last = pts.length > 1 ? pts[pts.length - 2] : pts[pts.length - 1];
    const lv = last?.values ?? {};
    // Drops by reason: the hour's total beside the last minute's rate (complete buckets only for the rate).
    const recentFrom = (last ? Date.parse(last.at) : 0) - 60_000;
    const dropReasons = new Map<string, { hour: number; minute: number }>();
    const filling = pts.at(-1);
    for (const p of pts) {
      for (const [k, n] of Object.entries(p.values)) {
        if (!k.startsWith('dropped.')) continue;
        const d = dropReasons.get(k.slice(8)) ?? { hour: 0, minute: 0 };
        d.hour += n; // counts so far, the filling bucket's too
        if (p !== filling && Date.parse(p.at) > recentFrom) d.minute += n;
        dropReasons.set(k.slice(8), d);
      }
    }
    const breakerText = { closed: 'closed', open: 'OPEN', half_open: 'half-open' }[status.breaker];

    body.append(
      h(
        'section',
        { class: 'tiles', 'aria-label': 'Now' },
        tile('Ingest (passed)', `${fmt((lv.passed ?? 0) / step)} pts/s`),
        tile('Forwarded', `${fmt((lv.forwarded ?? 0) / step)} pts/s`),
        tile('Dropped', `${fmt(sumWhere(lv, 'dropped.') / step)} pts/s`),
        tile('Forward queue', `${fmt(status.forwardBacklog.waiting ?? 0, 0)} waiting`, h('div', { class: 'tile-sub' }, `${status.forwardBacklog.active ?? 0} active · ${status.forwardBacklog.delayed ?? 0} delayed · ${status.forwardBacklog.failed ?? 0} dead`)),
        tile('Engine breaker', breakerText, h('div', { class: `tile-sub breaker-${status.breaker}` }, status.breaker === 'closed' ? 'calls flow' : 'engine calls held back')),
        tile('Engine budget', `${fmt(status.budget.inWindow ?? 0, 0)} in window`, h('div', { class: 'tile-sub' }, `rate ${fmt(status.budget.rate ?? 0)} /s${status.budget.blockedForMs ? ` · blocked ${status.budget.blockedForMs} ms` : ''}`)),
        tile('Allowlist', status.allowlist?.activeVersion?.slice(0, 12) ?? 'no ingest here', h('div', { class: 'tile-sub' }, status.allowlist ? `${status.allowlist.entries ?? 0} entries · since ${when(status.allowlist.activeSince)}` : 'this replica runs no ingest role')),
        tile('Ingest', status.ingestPaused === null ? 'not on this replica' : status.ingestPaused ? 'PAUSED (backpressure)' : 'consuming'),
      ),
    );

    const xs = pts.map((p) => Date.parse(p.at) / 1000);
    const nowSec = Date.now() / 1000;
    const series: [string, (v: Record<string, number>) => number | null, string][] = [
      ['Passed pts/s', (v) => (v.passed ?? 0) / step, '#1d5fa8'],
      ['Forwarded pts/s', (v) => (v.forwarded ?? 0) / step, '#2e7d32'],
      ['Dropped pts/s', (v) => sumWhere(v, 'dropped.') / step, '#b00020'],
      ['Queue waiting', (v) => v.backlog ?? null, '#6a1b9a'],
      ['Consumer lag', (v) => (Object.keys(v).some((k) => k.startsWith('lag.')) ? sumWhere(v, 'lag.') : null), '#8a4b00'],
      ['Engine calls in window', (v) => v.budgetInWindow ?? null, '#455a64'],
    ];
    const sparks = h('section', { class: 'sparks', 'aria-label': 'Last hour' }, h('h2', {}, 'Last hour'));
    if (pts.length === 0) sparks.append(notice('No samples yet: every replica writes one every 10 s.'));
    const grid = h('div', { class: 'spark-grid' });
    sparks.append(grid);
    body.append(sparks);
    for (const [label, pick, color] of series) {
      const ys = pts.map((p) => pick(p.values));
      const slot = h('figure', { class: 'spark' });
      const known = ys.filter((y): y is number => y !== null);
      grid.append(slot);
      slot.append(h('figcaption', {}, `${label}: `, h('strong', {}, fmt(known.at(-1) ?? null)), ` (peak ${fmt(known.length ? Math.max(...known) : null)})`));
      if (pts.length > 0) charts.push(sparkline(slot, label, xs, ys, [nowSec - 3600, nowSec], color));
    }

    const drops = h('table', {}, h('caption', {}, 'Drops by reason'), h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Reason'), h('th', { scope: 'col' }, 'Points, last hour'), h('th', { scope: 'col' }, 'Per second, last minute'))));
    const dbody = h('tbody');
    for (const [reason, d] of [...dropReasons].sort((a, b) => b[1].hour - a[1].hour)) dbody.append(h('tr', {}, h('td', {}, reason), h('td', { class: 'num' }, fmt(d.hour, 0)), h('td', { class: 'num' }, fmt(d.minute / 60, 2))));
    if (dropReasons.size === 0) dbody.append(h('tr', {}, h('td', { colspan: 3 }, 'Nothing dropped.')));
    drops.append(dbody);

    const lags = Object.entries(lv).filter(([k]) => k.startsWith('lag.')).sort(([a], [b]) => Number(a.slice(4)) - Number(b.slice(4)));
    const lag = h('table', {}, h('caption', {}, 'Consumer lag per partition'), h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Partition'), h('th', { scope: 'col' }, 'Messages behind'))));
    const lbody = h('tbody');
    for (const [k, n] of lags) lbody.append(h('tr', {}, h('td', {}, k.slice(4)), h('td', { class: 'num' }, fmt(n, 0))));
    if (lags.length === 0) lbody.append(h('tr', {}, h('td', { colspan: 2 }, 'No consumer reported lag in the last bucket.')));
    lag.append(lbody);
    body.append(h('section', { class: 'two' }, drops, lag), h('p', { class: 'help' }, `Roles on the replica that answered: ${status.roles.join(', ')}. Refreshes every 10 s. `, h('a', { href: '/admin/queues', target: '_blank', rel: 'noopener' }, 'Queue dashboard ↗')));
  };
  await draw();
  const timer = setInterval(() => void draw().catch((err: Error) => body.prepend(notice(`Refresh failed: ${err.message}`, 'error'))), REFRESH_MS);
  return () => {
    clearInterval(timer);
    charts.forEach((c) => c.destroy());
  };
}
