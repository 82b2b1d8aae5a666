import './style.css';
import { ApiProblem, api, apiKey, whenUnauthorized } from './api.js';
import { clear, h, notice } from './dom.js';
import { alarmsPage } from './pages/alarms.js';
import { allowlistPage } from './pages/allowlist.js';
import { pipelinePage } from './pages/pipeline.js';
import { rulesPage } from './pages/rules.js';
import { trendsPage } from './pages/trends.js';

/** A page renders into `main` and returns what stops it (timers, charts) when the operator leaves. */
export type Page = (main: HTMLElement) => Promise<() => void> | (() => void);

const PAGES: Record<string, { title: string; page: Page }> = {
  pipeline: { title: 'Pipeline', page: pipelinePage },
  trends: { title: 'Trends', page: trendsPage },
  rules: { title: 'Detection rules', page: rulesPage },
  alarms: { title: 'Alarms', page: alarmsPage },
  allowlist: { title: 'Allowlist', page: allowlistPage },
};

const main = document.getElementById('main') as HTMLElement;
const nav = document.getElementById('nav') as HTMLElement;
const who = document.getElementById('who') as HTMLElement;
let stopPage: () => void = () => undefined;

const current = (): string => {
  const name = location.hash.replace(/^#\/?/, '').split('?')[0] ?? '';
  return name in PAGES ? name : 'pipeline';
};

function renderNav(active: string | null): void {
  clear(nav);
  const list = h('ul');
  for (const [name, p] of Object.entries(PAGES)) {
    list.append(h('li', {}, h('a', { href: `#/${name}`, ...(name === active && { 'aria-current': 'page' }) }, p.title)));
  }
  // bull-board asks for HTTP Basic itself (password = an admin key); it is not part of this bundle.
  list.append(h('li', {}, h('a', { href: '/admin/queues', target: '_blank', rel: 'noopener' }, 'Queues ↗')));
  nav.append(list);
  clear(who);
  if (apiKey.get()) {
    who.append(h('button', { type: 'button', class: 'link', onclick: () => { apiKey.clear(); void route(); } }, 'Sign out'));
  }
}

function loginForm(message?: string): void {
  renderNav(null);
  document.title = 'Sign in · aiops-bridge';
  const input = h('input', { id: 'api-key', type: 'password', autocomplete: 'off', required: true, 'aria-describedby': 'key-help' });
  const status = h('div', { 'aria-live': 'polite' }, message ? notice(message, 'error') : null);
  const form = h(
    'form',
    { class: 'card login', onsubmit: async (e: Event) => {
      e.preventDefault();
      apiKey.set(input.value.trim());
      try {
        await api('GET', '/status', { signingIn: true });
        await route();
      } catch (err) {
        apiKey.clear();
        clear(status);
        status.append(notice(err instanceof ApiProblem && err.status === 401 ? 'That key is not valid.' : `Sign-in failed: ${(err as Error).message}`, 'error'));
      }
    } },
    h('h1', {}, 'Sign in'),
    h('label', { for: 'api-key' }, 'API key'),
    input,
    h('p', { id: 'key-help', class: 'help' }, 'A read key shows every page; changes need a write key. The key is kept in this tab only (sessionStorage).'),
    h('button', { type: 'submit' }, 'Sign in'),
    status,
  );
  clear(main);
  main.append(form);
  input.focus();
}

async function route(): Promise<void> {
  stopPage();
  stopPage = () => undefined;
  if (!apiKey.get()) return loginForm();
  const name = current();
  const entry = PAGES[name] as { title: string; page: Page };
  renderNav(name);
  document.title = `${entry.title} · aiops-bridge`;
  clear(main);
  try {
    stopPage = await entry.page(main);
  } catch (err) {
    main.append(notice(`This page could not load: ${(err as Error).message}`, 'error'));
  }
}

whenUnauthorized(() => {
  apiKey.clear();
  stopPage();
  loginForm('The key was refused (401). Sign in again.');
});
window.addEventListener('hashchange', () => void route().then(() => main.focus({ preventScroll: true })));
void route();
