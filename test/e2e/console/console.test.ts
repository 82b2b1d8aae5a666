import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalysisEngine } from '../../../src/application/ports/analysis-engine.js';
import { alarmStream, type AlarmEvent, type AlarmView } from '../../../src/domain/alarms/alarm-events.js';
import { createShuzhihuiEngine } from '../../../src/infrastructure/engines/shuzhihui/index.js';
import { RedisEventStore } from '../../../src/infrastructure/redis/redis-event-store.js';
import { call, login, pointsEnding } from '../../simulator/sim-client.js';
import { produceLines, waitFor } from '../../support/bridge-harness.js';
import { ARTEFACTS, KEYS, allowlistOf, axeViolations, startConsoleStack, type ConsoleStack } from './console-stack.js';

const GEN = { measurements: 3, fieldsPer: 1, hosts: 4, startMs: Date.now() };
const MIN = 60_000;
const alarmOf = (id: string, metric: string, startedMinutesAgo: number, more: Partial<AlarmView> = {}): AlarmView => ({
  id, engineAlarmId: `e-${id}`, ruleId: `r-${metric}`, ruleName: `${metric} above band`, metric, tags: { host: 'a' }, severity: 'major', status: 'firing', value: 71,
  summary: `${metric} left its expected band`, startsAt: new Date(Date.now() - startedMinutesAgo * MIN).toISOString(),
  lastSeenAt: new Date(Date.now() - (startedMinutesAgo - 2) * MIN).toISOString(), resolvedAt: null, ...more,
});

/** Alarm events as the poll role writes them, into the fleet's event store; the projections role builds the view. */
async function seedAlarms(s: ConsoleStack): Promise<void> {
  const store = new RedisEventStore(s.redis, { keyPrefix: `${s.prefix}:` });
  const first = alarmOf('al-1', 'svc_000.f0', 40);
  const second = alarmOf('al-2', 'svc_000.f0', 15, { severity: 'critical', value: 88 });
  const other = alarmOf('al-3', 'svc_001.f0', 5, { severity: 'minor' });
  const streams: [AlarmView, AlarmEvent[]][] = [
    [first, [
      { type: 'AlarmRaised', data: { alarm: first } },
      { type: 'AlarmUpdated', data: { alarm: { ...first, value: 79 }, changed: ['value'] } },
      { type: 'AlarmResolved', data: { alarm: { ...first, value: 79, status: 'resolved', resolvedAt: new Date(Date.now() - 30 * MIN).toISOString() }, reason: 'engine_recovered' } },
    ]],
    [second, [{ type: 'AlarmRaised', data: { alarm: second } }]],
    [other, [{ type: 'AlarmRaised', data: { alarm: other } }]],
  ];
  for (const [a, events] of streams) await store.appendToStream(alarmStream(a.id), events, { expectedStreamVersion: 'no_stream' });
}

const shot = async (s: ConsoleStack, name: string): Promise<void> => {
  await s.page.screenshot({ path: `${ARTEFACTS}/${name}.png`, fullPage: true });
};
/** Navigates by the nav link (as a user would) and waits for the page's heading. */
const open = async (s: ConsoleStack, link: string, heading: string): Promise<number> => {
  const started = Date.now();
  await s.page.getByRole('navigation').getByRole('link', { name: link, exact: true }).click();
  await s.page.getByRole('heading', { level: 1, name: heading }).waitFor();
  return Date.now() - started;
};
/** Network refusals the tests provoke on purpose (a wrong key, a stale version, an invalid form). */
const provoked = (e: string): boolean => /Failed to load resource: the server responded with a status of (400|401|412)/.test(e);

describe('the console on a running fleet (ingest, forward, api, projections) with real data flowing', () => {
  let s: ConsoleStack;
  let engineUi: AnalysisEngine & { close(): Promise<void> };
  beforeAll(async () => {
    s = await startConsoleStack(allowlistOf('svc_000.f0'));
    engineUi = createShuzhihuiEngine({ baseUrl: s.sim.url, auth: { mode: 'bearer', username: 'admin', password: 'admin123' } }) as AnalysisEngine & { close(): Promise<void> };
    // An hour of svc_000.f0 in the engine (the Trends chart), and live traffic through Kafka (the pipeline).
    const token = await login(s.sim.url);
    const now = Date.now();
    await call(s.sim.url, 'POST', '/api/v1/metrics/batch', { items: pointsEnding('svc_000.f0', { host: 'a' }, now - 60_000, 60_000, Array.from({ length: 60 }, (_, i) => 40 + 10 * Math.sin(i / 6) + (i === 50 ? 30 : 0))) }, { token });
    await seedAlarms(s);
    // The projections role delivers the seeded events to the webhook receiver: let it refuse the first attempt.
    await waitFor('a refused delivery', async () => s.receiver.refusedWhileDown > 0, 20_000, 50);
    s.receiver.down = false;
    await produceLines(s.topic, GEN, 0, 3_000, 50);
    await waitFor('svc_000.f0 at the engine', async () => Object.keys(s.sim.points('svc_000.f0')).length > 100, 30_000);
    // Ingest counts and the catalog are flushed every few seconds (the tally): wait until both show the traffic.
    const read = async <T>(path: string): Promise<T> => (await (await fetch(`${s.url}/api/v1${path}`, { headers: { authorization: `Bearer ${KEYS.reader}` } })).json()) as T;
    await waitFor('pipeline history with passed, forwarded and dropped points', async () => {
      const body = await read<{ points: { values: Record<string, number> }[] }>('/status/history');
      const seen = (name: string): boolean => body.points.some((p) => (p.values[name] ?? 0) > 0);
      return seen('passed') && seen('forwarded') && seen('dropped.not_allowlisted') && body.points.length >= 2;
    }, 40_000, 500);
    await waitFor('the three metrics in the catalog', async () => (await read<{ entries: unknown[] }>('/metrics/catalog?minutes=60')).entries.length === 3, 30_000, 500);
  });
  afterAll(async () => {
    await engineUi?.close();
    await s?.close();
  });

  it('asks for a key, refuses a wrong one, and opens the Pipeline page with a read key within a second', async () => {
    const { page } = s;
    const started = Date.now();
    await page.goto(`${s.url}/console`);
    await page.getByLabel('API key').waitFor();
    expect(Date.now() - started).toBeLessThan(1_000);
    await shot(s, '01-login');
    await page.getByLabel('API key').fill('not-a-key-at-all');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('That key is not valid.').waitFor();
    await page.getByLabel('API key').fill(KEYS.reader);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Pipeline' }).waitFor();
    expect(await page.evaluate("sessionStorage.getItem('aiops-bridge.apiKey')")).toBe(KEYS.reader);
  });

  it('shows the pipeline from real figures: flow peaks above zero, a closed breaker, the active allowlist, six sparklines', async () => {
    const { page } = s;
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Pipeline' }).waitFor();
    await page.locator('.spark canvas').nth(5).waitFor();
    const caption = (label: string) => page.locator('figcaption', { hasText: label }).textContent();
    const peak = (text: string | null): number => Number(/peak ([\d.,]+)/.exec(text ?? '')?.[1]?.replace(/,/g, '') ?? NaN);
    expect(peak(await caption('Passed pts/s'))).toBeGreaterThan(0);
    expect(peak(await caption('Forwarded pts/s'))).toBeGreaterThan(0);
    expect(peak(await caption('Dropped pts/s'))).toBeGreaterThan(0); // svc_001 and svc_002 are not allowlisted
    expect(await page.locator('.tile', { hasText: 'Engine breaker' }).textContent()).toContain('closed');
    const active = s.bridge.allowlist?.status().activeVersion ?? '';
    expect(active).not.toBe('');
    expect(await page.locator('.tile', { hasText: 'Allowlist' }).textContent()).toContain(active.slice(0, 12));
    expect(await page.locator('table', { hasText: 'Drops by reason' }).textContent()).toMatch(/not_allowlisted/);
    expect(await page.getByRole('link', { name: /Queue dashboard/ }).getAttribute('href')).toBe('/admin/queues');
    await shot(s, '02-pipeline');
  });

  it('draws a metric picked from the catalog: observed points, the band, and forecast points after now', async () => {
    const { page } = s;
    const ms = await open(s, 'Trends', 'Trends');
    expect(ms).toBeLessThan(1_000);
    const options = await page.locator('#metric-names option').evaluateAll((els) => els.map((e) => e.getAttribute('value')));
    expect(options).toEqual(expect.arrayContaining(['svc_000.f0', 'svc_001.f0', 'svc_002.f0']));
    await page.getByLabel('Metric').fill('svc_000.f0');
    await page.getByLabel('Tags').fill('host=a');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.locator('.chart canvas, main .notice.error').first().waitFor();
    expect(await page.locator('main .notice.error').allTextContents()).toEqual([]);
    await page.getByText(/observed points/).waitFor();
    const summary = (await page.getByText(/observed points/).textContent()) ?? '';
    expect(Number(/^(\d+) observed/.exec(summary)?.[1])).toBeGreaterThan(30);
    expect(Number(/(\d+) forecast points/.exec(summary)?.[1])).toBeGreaterThan(5);
    expect(await page.locator('.u-legend').textContent()).toMatch(/actual.*predicted.*lower.*upper/s);
    expect(summary).toContain('2 alarms of this metric marked in red: svc_000.f0 above band (critical), svc_000.f0 above band (major)');
    await shot(s, '03-trends');
    await page.getByRole('button', { name: '6 hours' }).click();
    await expect.poll(() => page.getByRole('button', { name: '6 hours' }).getAttribute('aria-pressed')).toBe('true');
  });

  it('lists alarms newest first, filters them, and shows one alarm\'s timeline from raised to resolved with its deliveries to the webhook', async () => {
    const { page } = s;
    await open(s, 'Alarms', 'Alarms');
    const table = page.locator('table.alarms');
    await expect.poll(async () => (await table.locator('tbody tr').allTextContents()).length).toBe(3);
    const rows = await table.locator('tbody tr').allTextContents();
    expect(rows.map((r) => /svc_00\d\.f0/.exec(r)?.[0])).toEqual(['svc_001.f0', 'svc_000.f0', 'svc_000.f0']);
    await page.getByLabel('Status').selectOption('resolved');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(async () => (await table.locator('tbody tr').allTextContents()).length).toBe(1);
    expect(await table.textContent()).toContain('resolved');
    // The webhook receiver has accepted al-1's three events, and the delivery projection has recorded them.
    await waitFor('al-1 delivered three times', async () => (s.receiver.byAlarm().get('al-1') ?? []).length === 3, 20_000, 100);
    await waitFor('al-1 deliveries recorded', async () => {
      const r = await fetch(`${s.url}/api/v1/alarms/al-1`, { headers: { authorization: `Bearer ${KEYS.reader}` } });
      return ((await r.json()) as { deliveries: { outcome: string }[] }).deliveries.filter((d) => d.outcome === 'delivered').length === 3;
    }, 10_000, 100);
    await table.getByRole('button', { name: /^Open alarm/ }).click();
    const timeline = page.getByRole('list', { name: 'Event timeline' });
    await timeline.waitFor();
    // Events first (appended before any delivery), then the webhook's deliveries of v1, v2, v3, in time order.
    expect(await timeline.locator('li strong').allTextContents()).toEqual(['raised', 'updated', 'resolved', 'delivered', 'delivered', 'delivered']);
    expect(await timeline.textContent()).toContain('value 79');
    const deliveries = await timeline.locator('li.ev-delivery').allTextContents();
    expect(deliveries.map((d) => /^webhook delivered (\w+) \(v(\d)\)/.exec(d)?.slice(1).join(' '))).toEqual(['raised 1', 'updated 2', 'resolved 3']);
    // The receiver refused the first attempt (503) and accepted the retry.
    expect(Number(/(\d+) attempts?/.exec(deliveries[0] ?? '')?.[1])).toBeGreaterThanOrEqual(2);
    // Drawn apart from the engine's events: a square marker, indented.
    const marker = (selector: string) => page.evaluate(`getComputedStyle(document.querySelector('.timeline ${selector}'), '::before').borderRadius`) as Promise<string>;
    expect(await marker('li.ev-raised')).toBe('50%');
    expect(await marker('li.ev-delivery')).toBe('0px');
    expect(await axeViolations(page)).toEqual([]);
    await shot(s, '09-alarms');
  });

  it('creates a rule from the form with a write key, and the rule reaches the engine', async () => {
    const { page } = s;
    await page.evaluate(`sessionStorage.setItem('aiops-bridge.apiKey', '${KEYS.writer}')`);
    await open(s, 'Detection rules', 'Detection rules');
    await page.getByRole('button', { name: 'New rule' }).click();
    // The API's validation message lands at the field it names.
    await page.getByRole('button', { name: 'Create' }).click();
    await expect.poll(() => page.locator('#rule-name-error').textContent()).toMatch(/\S/);
    expect(await page.locator('#rule-name').getAttribute('aria-invalid')).toBe('true');
    await page.getByLabel('Name').fill('svc_000 too high');
    await page.getByLabel('Metric (measurement.field)').fill('svc_000.f0');
    await page.getByLabel('Tags (key=value, globs allowed)').fill('host=a');
    await page.getByLabel('Kind').selectOption('baseline');
    await page.getByLabel('Sensitivity (0–10)').fill('2.5');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.locator('tr', { hasText: 'svc_000 too high' }).waitFor();
    const inEngine = await waitFor('the rule in the engine', async () => (await engineUi.listRules()).find((r) => r.name === 'svc_000 too high'), 15_000);
    expect(inEngine).toMatchObject({ metric: 'svc_000.f0', algorithm: { kind: 'baseline', sensitivity: 2.5, direction: 'both' } });
    await shot(s, '04-rules');
  });

  it('explains a 412 when the rule changed behind the form, and reloads to the current version', async () => {
    const { page } = s;
    const row = page.locator('tr', { hasText: 'svc_000 too high' });
    await row.getByRole('button', { name: /^Edit/ }).click();
    const id = await row.getAttribute('data-rule-id');
    // Someone else disables it meanwhile (version 1 → 2).
    const behind = await fetch(`${s.url}/api/v1/rules/${id}/disable`, { method: 'POST', headers: { authorization: `Bearer ${KEYS.writer}`, 'if-match': '"1"' } });
    expect(behind.status).toBe(200);
    await page.getByLabel('Name').fill('svc_000 far too high');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText(/412, version mismatch/).waitFor();
    await shot(s, '05-rules-conflict');
    await page.getByRole('button', { name: 'Reload' }).click();
    await expect.poll(() => row.textContent()).toContain('disabled');
    expect(await page.getByText(/412, version mismatch/).count()).toBe(0);
  });

  it('dry-runs and saves an allowlist edit, lists the change, and the newly allowed metric reaches the engine', async () => {
    const { page } = s;
    await open(s, 'Allowlist', 'Allowlist');
    const before = (await page.locator('#allowlist-md5').textContent()) ?? '';
    expect(Object.keys(s.sim.points('svc_001.f0'))).toHaveLength(0);
    const edited = allowlistOf('svc_000.f0', 'svc_001.f0');
    await page.getByLabel('metrics-allowlist.yaml').fill(edited);
    await page.getByRole('button', { name: 'Validate (dry run)' }).click();
    const starting = page.locator('table', { hasText: 'Would start passing' });
    await starting.waitFor();
    expect(await starting.textContent()).toContain('svc_001.f0');
    await shot(s, '06-allowlist-dry-run');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText(/^Published version/).waitFor();
    expect(await page.locator('#allowlist-md5').textContent()).not.toBe(before);
    expect(await page.locator('table', { hasText: 'Change history' }).textContent()).toMatch(/writer.*svc_001/s);
    await waitFor('the ingest replica on the new version', async () => s.bridge.allowlist?.status().entries === 2, 15_000);
    await produceLines(s.topic, GEN, 3_000, 6_000, 50);
    await waitFor('svc_001.f0 at the engine', async () => Object.keys(s.sim.points('svc_001.f0')).length > 0, 30_000);
    expect(Object.keys(s.sim.points('svc_002.f0'))).toHaveLength(0);
    await shot(s, '07-allowlist');
  });

  it('refuses an allowlist save with 412 when Nacos changed meanwhile, and offers a reload', async () => {
    const { page } = s;
    await s.nacos.publishAllowlist(allowlistOf('svc_000.f0', 'svc_001.f0', 'svc_002.f0'));
    await page.getByLabel('metrics-allowlist.yaml').fill(allowlistOf('svc_000.f0'));
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText(/^Not saved \(412\)/).waitFor();
    await shot(s, '08-allowlist-conflict');
    await page.locator('.notice').getByRole('button', { name: 'Reload' }).click();
    await expect.poll(() => page.getByLabel('metrics-allowlist.yaml').inputValue()).toContain('svc_002');
  });

  it('is usable from the keyboard: skip link first, then the pages, each reachable with Enter', async () => {
    const { page } = s;
    await page.goto(`${s.url}/console#/pipeline`);
    await page.reload(); // a fresh load: focus starts at the top of the document
    await page.getByRole('heading', { level: 1, name: 'Pipeline' }).waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Skip to content');
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Pipeline');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Trends' }).waitFor();
    await expect.poll(() => page.evaluate('document.activeElement?.id')).toBe('main');
    // A visible focus ring on the focused link.
    await page.keyboard.press('Shift+Tab');
    const outline = await page.evaluate('getComputedStyle(document.activeElement).outlineStyle');
    expect(outline).toBe('solid');
  });

  it('passes axe-core (WCAG 2.1 A/AA, contrast included) on every page', async () => {
    const { page } = s;
    const found: Record<string, string[]> = {};
    for (const [hash, heading] of [['pipeline', 'Pipeline'], ['trends', 'Trends'], ['rules', 'Detection rules'], ['alarms', 'Alarms'], ['allowlist', 'Allowlist']] as const) {
      await page.goto(`${s.url}/console#/${hash}`);
      await page.getByRole('heading', { level: 1, name: heading }).waitFor();
      if (hash === 'trends') await page.locator('.chart canvas, main .notice.error').first().waitFor();
      expect(await page.locator('main .notice.error').allTextContents()).toEqual([]);
      found[hash] = await axeViolations(page);
    }
    await page.evaluate('sessionStorage.clear()');
    await page.goto(`${s.url}/console`);
    await page.getByLabel('API key').waitFor();
    found.login = await axeViolations(page);
    expect(found).toEqual({ pipeline: [], trends: [], rules: [], alarms: [], allowlist: [], login: [] });
  });

  it('logged no console error but the refusals the tests provoked, and fetched nothing from elsewhere', async () => {
    expect(s.errors.filter((e) => !provoked(e))).toEqual([]);
    expect(s.errors.some(provoked)).toBe(true);
  });
});
