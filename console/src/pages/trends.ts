import type uPlot from 'uplot';
import { ApiProblem, get } from '../api.js';
import { trendChart } from '../charts.js';
import { alarmMarks } from './alarms.js';
import { clear, fmt, h, notice } from '../dom.js';

interface Catalog { entries: { name: string; tagKeys: string[]; seen: number; passRatio: number | null }[] }
interface Trend { metric: string; points: { at: string; value: number | null; predicted: number | null; lower: number | null; upper: number | null; forecast: boolean }[] }

/** Range presets: how far back, the step that keeps the answer small, how far the forecast reaches. */
const PRESETS = [
  { id: '1h', label: 'Last hour', backS: 3600, step: 60, aheadS: 900 },
  { id: '6h', label: '6 hours', backS: 6 * 3600, step: 300, aheadS: 3600 },
  { id: '24h', label: '24 hours', backS: 86400, step: 900, aheadS: 4 * 3600 },
  { id: '7d', label: '7 days', backS: 7 * 86400, step: 3600, aheadS: 86400 },
] as const;

/** `host=web-1, region=eu` → tag.<key>=<value> parameters; a malformed pair is reported, not ignored. */
export function parseTags(text: string): { params: string; error?: string } {
  const parts = text.split(',').map((s) => s.trim()).filter(Boolean);
  const params: string[] = [];
  for (const part of parts) {
    const eq = part.indexOf('=');
    if (eq <= 0 || eq === part.length - 1) return { params: '', error: `"${part}" is not key=value` };
    params.push(`tag.${encodeURIComponent(part.slice(0, eq).trim())}=${encodeURIComponent(part.slice(eq + 1).trim())}`);
  }
  return { params: params.map((p) => `&${p}`).join('') };
}

/** Trends: actual vs predicted with the expected band, the forecast to the right of now. */
export async function trendsPage(main: HTMLElement): Promise<() => void> {
  const catalog = await get<Catalog>('/metrics/catalog?minutes=60&limit=1000&sort=name');
  const names = catalog.entries.map((e) => e.name);
  const list = h('datalist', { id: 'metric-names' }, ...names.map((n) => h('option', { value: n })));
  const metric = h('input', { id: 'trend-metric', list: 'metric-names', value: names[0] ?? '', autocomplete: 'off', required: true, 'aria-describedby': 'metric-help' });
  const tags = h('input', { id: 'trend-tags', placeholder: 'host=web-1, region=eu', autocomplete: 'off' });
  const tagHelp = h('p', { id: 'metric-help', class: 'help' }, `${names.length} metrics seen in the last hour; type to search.`);
  let preset: (typeof PRESETS)[number] = PRESETS[0];
  const presetButtons = PRESETS.map((p) =>
    h('button', { type: 'button', class: 'preset', 'aria-pressed': String(p === preset), onclick: () => { preset = p; presetButtons.forEach((b, i) => b.setAttribute('aria-pressed', String(PRESETS[i] === p))); void draw(); } }, p.label),
  );
  const chartBox = h('div', { class: 'chart', role: 'img', 'aria-label': 'Trend chart' });
  const status = h('div', { 'aria-live': 'polite' });
  const summary = h('p', { class: 'help' });
  let chart: uPlot | undefined;

  const draw = async (): Promise<void> => {
    clear(status);
    const t = parseTags(tags.value);
    if (t.error) return void status.append(notice(`Tags: ${t.error}`, 'error'));
    if (!metric.value) return void status.append(notice('Pick a metric.', 'error'));
    const now = Date.now();
    const from = new Date(Math.floor((now - preset.backS * 1000) / 60_000) * 60_000).toISOString();
    const to = new Date(Math.ceil((now + preset.aheadS * 1000) / 60_000) * 60_000).toISOString();
    try {
      const [trend, marks] = await Promise.all([
        get<Trend>(`/trends?metric=${encodeURIComponent(metric.value)}${t.params}&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&step=${preset.step}`),
        alarmMarks(metric.value, from, to),
      ]);
      chart?.destroy();
      clear(chartBox);
      const pts = trend.points;
      chart = trendChart(chartBox, {
        xs: pts.map((p) => Date.parse(p.at) / 1000),
        value: pts.map((p) => p.value),
        predicted: pts.map((p) => p.predicted),
        lower: pts.map((p) => p.lower),
        upper: pts.map((p) => p.upper),
        nowSec: now / 1000,
        marks,
      }, Math.max(320, chartBox.clientWidth - 20)); // inside the box's padding and border
      const actual = pts.filter((p) => p.value !== null);
      const outside = actual.filter((p) => p.lower !== null && p.upper !== null && ((p.value as number) < p.lower || (p.value as number) > p.upper)).length;
      summary.textContent = `${actual.length} observed points, ${pts.filter((p) => p.forecast).length} forecast points; ${outside} observed outside the band. Latest: ${fmt(actual.at(-1)?.value)}. ${marks.length} alarm${marks.length === 1 ? '' : 's'} of this metric marked in red${marks.length ? `: ${[...new Set(marks.map((m) => m.label))].join(', ')}` : ''}.`;
    } catch (err) {
      status.append(notice(err instanceof ApiProblem ? `${err.message}${err.errors.map((e) => ` (${e.pointer}: ${e.message})`).join('')}` : (err as Error).message, 'error'));
    }
  };

  main.append(
    h('h1', {}, 'Trends'),
    h(
      'form',
      { class: 'toolbar', onsubmit: (e: Event) => { e.preventDefault(); void draw(); } },
      h('div', { class: 'field' }, h('label', { for: 'trend-metric' }, 'Metric'), metric, list),
      h('div', { class: 'field' }, h('label', { for: 'trend-tags' }, 'Tags'), tags),
      h('button', { type: 'submit' }, 'Show'),
      h('div', { class: 'presets', role: 'group', 'aria-label': 'Time range' }, ...presetButtons),
    ),
    tagHelp,
    status,
    chartBox,
    summary,
    h('p', { class: 'help' }, 'Solid blue: observed. Dashed brown: predicted. Green band: expected range. Dashed grey line: now (forecast to its right). Red lines: alarms started.'),
  );
  if (names.length === 0) status.append(notice('The catalog is empty: no metric has been seen in the last hour.'));
  else await draw();
  return () => chart?.destroy();
}
