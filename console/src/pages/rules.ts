import { ApiProblem, api, get, type ProblemField } from '../api.js';
import { clear, h, notice, when } from '../dom.js';
import { parseTags } from './trends.js';

type Detector =
  | { kind: 'threshold'; operator: string; value: number; durationSeconds: number }
  | { kind: 'baseline'; windowSeconds: number; sensitivity: number; direction: string; durationSeconds: number }
  | { kind: 'forecast'; horizonSeconds: number; operator: string; value: number };
interface Rule { id: string; version: number; name: string; metric: string; tags: Record<string, string>; detector: Detector; severity: string; enabled: boolean; updatedAt: string }

/** Per detector: its fields as [name, label, kind, choices?] — the API's Detector schema, one form each. */
const DETECTORS: Record<Detector['kind'], [string, string, 'number' | 'select', string[]?][]> = {
  threshold: [['operator', 'Operator', 'select', ['>', '>=', '<', '<=']], ['value', 'Value', 'number'], ['durationSeconds', 'For (seconds)', 'number']],
  baseline: [['windowSeconds', 'Baseline window (seconds)', 'number'], ['sensitivity', 'Sensitivity (0–10)', 'number'], ['direction', 'Direction', 'select', ['up', 'down', 'both']], ['durationSeconds', 'For (seconds)', 'number']],
  forecast: [['horizonSeconds', 'Horizon (seconds)', 'number'], ['operator', 'Operator', 'select', ['>', '>=', '<', '<=']], ['value', 'Value', 'number']],
};
const DEFAULTS: Record<Detector['kind'], Record<string, string>> = {
  threshold: { operator: '>', value: '90', durationSeconds: '60' },
  baseline: { windowSeconds: '3600', sensitivity: '3', direction: 'both', durationSeconds: '60' },
  forecast: { horizonSeconds: '3600', operator: '>', value: '90' },
};
const describe = (d: Detector): string =>
  d.kind === 'threshold' ? `value ${d.operator} ${d.value} for ${d.durationSeconds} s`
  : d.kind === 'baseline' ? `${d.direction} of ${d.windowSeconds} s baseline × ${d.sensitivity} for ${d.durationSeconds} s`
  : `forecast ${d.operator} ${d.value} within ${d.horizonSeconds} s`;

/** `/body/detector/value` or `/detector/value` → the form control for it. */
const fieldId = (pointer: string): string => `rule-${pointer.replace(/^\/body/, '').replace(/^\//, '').replace(/\//g, '-')}`;

/** Detection rules: list, create, edit, enable/disable, delete; If-Match from the ETag, 412 explained. */
export async function rulesPage(main: HTMLElement): Promise<() => void> {
  const status = h('div', { 'aria-live': 'polite' });
  const table = h('div');
  const formBox = h('div');
  main.append(h('h1', {}, 'Detection rules'), status, h('button', { type: 'button', id: 'new-rule', onclick: () => openForm(null) }, 'New rule'), table, formBox);

  const conflict = (what: string): HTMLElement => {
    const box = notice(`${what}: someone changed this rule since you loaded it (412, version mismatch). Nothing was saved. Reload to see the current version, then make your change again.`, 'error');
    box.append(' ', h('button', { type: 'button', onclick: () => void load().then(() => clear(formBox)) }, 'Reload'));
    return box;
  };
  const report = (what: string, err: unknown): void => {
    clear(status);
    status.append(err instanceof ApiProblem && err.status === 412 ? conflict(what) : notice(`${what} failed: ${(err as Error).message}`, 'error'));
  };

  const act = async (what: string, r: Rule, method: string, path: string): Promise<void> => {
    try {
      await api(method, path, { ifMatch: `"${r.version}"` });
      clear(status);
      status.append(notice(`${what}: ${r.name}`, 'ok'));
      await load();
    } catch (err) {
      report(what, err);
    }
  };

  async function load(): Promise<void> {
    const { rules } = await get<{ rules: Rule[] }>('/rules');
    clear(table);
    const t = h('table', { class: 'rules' }, h('caption', {}, `${rules.length} rules`), h('thead', {}, h('tr', {}, ...['Name', 'Metric', 'Tags', 'Detector', 'Severity', 'State', 'Updated', 'Actions'].map((c) => h('th', { scope: 'col' }, c)))));
    const body = h('tbody');
    for (const r of rules) {
      body.append(
        h('tr', { 'data-rule-id': r.id },
          h('td', {}, r.name), h('td', {}, h('code', {}, r.metric)), h('td', {}, Object.entries(r.tags).map(([k, v]) => `${k}=${v}`).join(', ') || '–'),
          h('td', {}, `${r.detector.kind}: ${describe(r.detector)}`), h('td', {}, h('span', { class: `sev sev-${r.severity}` }, r.severity)),
          h('td', {}, r.enabled ? 'enabled' : 'disabled'), h('td', {}, when(r.updatedAt)),
          h('td', { class: 'actions' },
            h('button', { type: 'button', onclick: () => openForm(r), 'aria-label': `Edit ${r.name}` }, 'Edit'),
            h('button', { type: 'button', onclick: () => void act(r.enabled ? 'Disabled' : 'Enabled', r, 'POST', `/rules/${r.id}/${r.enabled ? 'disable' : 'enable'}`), 'aria-label': `${r.enabled ? 'Disable' : 'Enable'} ${r.name}` }, r.enabled ? 'Disable' : 'Enable'),
            h('button', { type: 'button', class: 'danger', onclick: () => { if (confirm(`Delete rule "${r.name}"?`)) void act('Deleted', r, 'DELETE', `/rules/${r.id}`); }, 'aria-label': `Delete ${r.name}` }, 'Delete'),
          ),
        ),
      );
    }
    if (rules.length === 0) body.append(h('tr', {}, h('td', { colspan: 8 }, 'No rules yet.')));
    t.append(body);
    table.append(t);
  }

  function openForm(rule: Rule | null): void {
    clear(formBox);
    const field = (id: string, label: string, control: HTMLElement): HTMLElement =>
      h('div', { class: 'field' }, h('label', { for: id }, label), control, h('p', { class: 'field-error', id: `${id}-error`, role: 'alert' }));
    const input = (id: string, value: string, type = 'text'): HTMLInputElement => h('input', { id, value, type, ...(type === 'number' && { step: 'any' }), 'aria-describedby': `${id}-error` });
    const select = (id: string, value: string, choices: readonly string[]): HTMLSelectElement => {
      const s = h('select', { id, 'aria-describedby': `${id}-error` }, ...choices.map((c) => h('option', { value: c }, c)));
      s.value = value;
      return s;
    };
    const name = input('rule-name', rule?.name ?? '');
    const metric = input('rule-metric', rule?.metric ?? '');
    const tags = input('rule-tags', rule ? Object.entries(rule.tags).map(([k, v]) => `${k}=${v}`).join(', ') : '');
    const severity = select('rule-severity', rule?.severity ?? 'major', ['critical', 'major', 'minor', 'warning']);
    const enabled = h('input', { id: 'rule-enabled', type: 'checkbox', ...(rule?.enabled !== false && { checked: true }) });
    const kind = select('rule-detector-kind', rule?.detector.kind ?? 'threshold', Object.keys(DETECTORS));
    const detectorBox = h('fieldset', {}, h('legend', {}, 'Detector'));
    const renderDetector = (): void => {
      const k = kind.value as Detector['kind'];
      const current = rule?.detector.kind === k ? (rule.detector as unknown as Record<string, unknown>) : DEFAULTS[k];
      detectorBox.replaceChildren(h('legend', {}, 'Detector'), field('rule-detector-kind', 'Kind', kind));
      for (const [f, label, type, choices] of DETECTORS[k]) {
        const id = `rule-detector-${f}`;
        detectorBox.append(field(id, label, type === 'select' ? select(id, String(current[f]), choices ?? []) : input(id, String(current[f] ?? ''), 'number')));
      }
    };
    kind.addEventListener('change', renderDetector);
    renderDetector();
    const formStatus = h('div', { 'aria-live': 'polite' });
    const form = h('form', { class: 'card rule-form', novalidate: true, 'aria-label': rule ? `Edit rule ${rule.name}` : 'New rule', onsubmit: async (e: Event) => {
      e.preventDefault();
      form.querySelectorAll('.field-error').forEach((el) => (el.textContent = ''));
      form.querySelectorAll('[aria-invalid]').forEach((el) => el.removeAttribute('aria-invalid'));
      clear(formStatus);
      const t = parseTags(tags.value);
      if (t.error) return showErrors([{ pointer: '/tags', message: t.error }]);
      const k = kind.value as Detector['kind'];
      const detector: Record<string, unknown> = { kind: k };
      for (const [f, , type] of DETECTORS[k]) {
        const v = (form.querySelector(`#rule-detector-${f}`) as HTMLInputElement).value;
        // An empty number box is sent as it is (a string): the API names the field, rather than us guessing.
        detector[f] = type === 'number' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : v;
      }
      const tagObject = Object.fromEntries(tags.value.split(',').map((s) => s.trim()).filter(Boolean).map((p) => [p.slice(0, p.indexOf('=')).trim(), p.slice(p.indexOf('=') + 1).trim()]));
      const body = { name: name.value, metric: metric.value, tags: tagObject, detector, severity: severity.value, enabled: enabled.checked };
      try {
        if (rule) await api('PUT', `/rules/${rule.id}`, { body, ifMatch: `"${rule.version}"` });
        else await api('POST', '/rules', { body });
        clear(formBox);
        clear(status);
        status.append(notice(`${rule ? 'Saved' : 'Created'}: ${body.name}`, 'ok'));
        await load();
      } catch (err) {
        if (err instanceof ApiProblem && err.status === 412) formStatus.append(conflict('Save'));
        else if (err instanceof ApiProblem && err.errors.length > 0) showErrors(err.errors, err.message);
        else formStatus.append(notice(`Save failed: ${(err as Error).message}`, 'error'));
      }
    } });
    const showErrors = (errors: readonly ProblemField[], title = 'Please correct the marked fields.'): void => {
      const unplaced: string[] = [];
      for (const e of errors) {
        const target = form.querySelector(`#${CSS.escape(fieldId(e.pointer))}-error`);
        if (target) {
          target.textContent = target.textContent ? `${target.textContent}; ${e.message}` : e.message;
          form.querySelector(`#${CSS.escape(fieldId(e.pointer))}`)?.setAttribute('aria-invalid', 'true');
        } else unplaced.push(`${e.pointer || 'body'}: ${e.message}`);
      }
      formStatus.append(notice([title, ...unplaced].join(' · '), 'error'));
    };
    form.append(
      h('h2', {}, rule ? `Edit “${rule.name}” (version ${rule.version})` : 'New rule'),
      field('rule-name', 'Name', name), field('rule-metric', 'Metric (measurement.field)', metric), field('rule-tags', 'Tags (key=value, globs allowed)', tags),
      field('rule-severity', 'Severity', severity),
      h('div', { class: 'field inline' }, enabled, h('label', { for: 'rule-enabled' }, 'Enabled')),
      detectorBox, formStatus,
      h('div', { class: 'buttons' }, h('button', { type: 'submit' }, rule ? 'Save' : 'Create'), h('button', { type: 'button', class: 'secondary', onclick: () => clear(formBox) }, 'Cancel')),
    );
    formBox.append(form);
    name.focus();
  }

  await load();
  return () => undefined;
}
