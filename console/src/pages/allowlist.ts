import { ApiProblem, api, get } from '../api.js';
import { clear, fmt, h, notice, when } from '../dom.js';

interface Allowlist { source: { kind: 'nacos' | 'file'; group?: string; dataId?: string; path?: string }; md5: string; text: string; valid: boolean; entries: number; active: { activeVersion: string | null } | null; lastRejected: { version: string; errors: { path: string; message: string }[] } | null }
interface Verdict { name: string; before: string; after: string; seen: number; seenPerMinute: number }
interface DryRun { valid: boolean; errors: { path: string; message: string }[]; entries?: number; minutes: number; startPassing: Verdict[]; stopPassing: Verdict[] }
interface Change { version: string; previousVersion: string | null; actor: string; at: string; added: unknown[]; removed: unknown[]; entries: number }

const verdictTable = (caption: string, rows: Verdict[]): HTMLElement =>
  h('table', {}, h('caption', {}, `${caption} (${rows.length})`),
    h('thead', {}, h('tr', {}, ...['Metric', 'Before', 'After', 'Points/min'].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, ...(rows.length ? rows.map((v) => h('tr', {}, h('td', {}, h('code', {}, v.name)), h('td', {}, v.before), h('td', {}, v.after), h('td', { class: 'num' }, fmt(v.seenPerMinute)))) : [h('tr', {}, h('td', { colspan: 4 }, 'None.'))])));

const entryText = (e: unknown): string => (typeof e === 'object' && e ? Object.entries(e).map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(',') : typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join(' · ') : String(e));

/** Allowlist: what is live, an editor with a dry run against the catalog, compare-and-set saves, the history. */
export async function allowlistPage(main: HTMLElement): Promise<() => void> {
  const head = h('section', { class: 'tiles', 'aria-label': 'Current version' });
  const editor = h('textarea', { id: 'allowlist-text', rows: 18, spellcheck: 'false', 'aria-describedby': 'allowlist-errors' });
  const errorsBox = h('div', { id: 'allowlist-errors', 'aria-live': 'polite' });
  const dryBox = h('div');
  const status = h('div', { 'aria-live': 'polite' });
  const history = h('div');
  let base: Allowlist | undefined;

  const load = async (): Promise<void> => {
    base = await get<Allowlist>('/allowlist');
    clear(head);
    const src = base.source.kind === 'nacos' ? `Nacos ${base.source.group}/${base.source.dataId}` : `file ${base.source.path}`;
    head.append(
      h('div', { class: 'tile' }, h('div', { class: 'tile-label' }, 'Version (md5)'), h('div', { class: 'tile-value', id: 'allowlist-md5' }, base.md5.slice(0, 12))),
      h('div', { class: 'tile' }, h('div', { class: 'tile-label' }, 'Entries'), h('div', { class: 'tile-value' }, base.entries)),
      h('div', { class: 'tile' }, h('div', { class: 'tile-label' }, 'Source'), h('div', { class: 'tile-sub' }, src)),
      h('div', { class: 'tile' }, h('div', { class: 'tile-label' }, 'Last rejected'), h('div', { class: 'tile-sub' }, base.lastRejected ? `${base.lastRejected.version.slice(0, 12)}: ${base.lastRejected.errors.map((e) => e.message).join('; ')}` : 'none')),
    );
    editor.value = base.text;
    const { changes } = await get<{ changes: Change[] }>('/allowlist/changes?limit=20');
    clear(history);
    history.append(h('table', {}, h('caption', {}, 'Change history (made through the API)'),
      h('thead', {}, h('tr', {}, ...['When', 'Who', 'Version', 'Added', 'Removed', 'Entries'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, ...(changes.length ? changes.map((c) => h('tr', {}, h('td', {}, when(c.at)), h('td', {}, c.actor), h('td', {}, h('code', {}, c.version.slice(0, 12))), h('td', {}, c.added.map(entryText).join('; ') || '–'), h('td', {}, c.removed.map(entryText).join('; ') || '–'), h('td', { class: 'num' }, c.entries))) : [h('tr', {}, h('td', { colspan: 6 }, 'No changes recorded yet.'))]))));
  };

  const showErrors = (errors: readonly { path?: string; pointer?: string; message: string }[]): void => {
    clear(errorsBox);
    if (errors.length) errorsBox.append(h('ul', { class: 'field-errors' }, ...errors.map((e) => h('li', {}, h('code', {}, e.path ?? e.pointer ?? ''), ` ${e.message}`))));
  };

  const dryRun = async (): Promise<void> => {
    clear(dryBox);
    clear(status);
    const r = (await api<DryRun>('POST', '/allowlist/validate?minutes=15', { yaml: editor.value })).body;
    showErrors(r.errors);
    if (!r.valid) return void status.append(notice(`Not valid: ${r.errors.length} error(s), shown under the editor.`, 'error'));
    status.append(notice(`Valid: ${r.entries ?? '?'} entries. Against the last ${r.minutes} min of the catalog:`, 'ok'));
    dryBox.append(h('div', { class: 'two' }, verdictTable('Would start passing', r.startPassing), verdictTable('Would stop passing', r.stopPassing)));
  };

  const save = async (): Promise<void> => {
    clear(status);
    try {
      await api('PUT', '/allowlist', { yaml: editor.value, ifMatch: `"${base?.md5 ?? 'absent'}"` });
      showErrors([]);
      clear(dryBox); // the dry run compared against the version just replaced
      await load();
      status.append(notice(`Published version ${base?.md5.slice(0, 12)}. Every ingest replica swaps to it when Nacos pushes it.`, 'ok'));
    } catch (err) {
      if (err instanceof ApiProblem && err.status === 412) {
        const box = notice('Not saved (412): the allowlist changed since you opened it (another edit, or the Nacos console). Reload the current version and apply your edit again; your text is kept below until you reload.', 'error');
        box.append(' ', h('button', { type: 'button', onclick: () => void load().then(() => clear(status)) }, 'Reload'));
        status.append(box);
      } else if (err instanceof ApiProblem) {
        showErrors(err.errors);
        status.append(notice(`Not saved (${err.status}): ${err.detail ?? err.title}`, 'error'));
      } else throw err;
    }
  };

  main.append(
    h('h1', {}, 'Allowlist'), head,
    h('section', { class: 'card' }, h('label', { for: 'allowlist-text' }, 'metrics-allowlist.yaml'), editor, errorsBox,
      h('div', { class: 'buttons' }, h('button', { type: 'button', id: 'allowlist-dry-run', onclick: () => void dryRun().catch((e: Error) => status.append(notice(e.message, 'error'))) }, 'Validate (dry run)'), h('button', { type: 'button', id: 'allowlist-save', onclick: () => void save() }, 'Save'), h('button', { type: 'button', class: 'secondary', onclick: () => void load() }, 'Reload')),
      status, dryBox),
    history,
  );
  await load();
  return () => undefined;
}
