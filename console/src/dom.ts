type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | EventListener | undefined>;

/** A tiny element builder: attributes starting with `on` are listeners, `false`/undefined attributes are left out. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(typeof c === 'number' ? String(c) : c);
  return el;
}

export const clear = (el: Element): void => el.replaceChildren();

export const fmt = (n: number | null | undefined, digits = 1): string =>
  n === null || n === undefined || !Number.isFinite(n) ? '–' : Math.abs(n) >= 1000 ? Math.round(n).toLocaleString('en') : String(Number(n.toFixed(digits)));

export const when = (iso: string | null | undefined): string => (iso ? new Date(iso).toISOString().replace('T', ' ').slice(0, 19) + 'Z' : '–');

/** A status line for a page (role=status so screen readers hear it). */
export const notice = (text: string, kind: 'info' | 'error' | 'ok' = 'info'): HTMLElement => h('p', { class: `notice ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text);
