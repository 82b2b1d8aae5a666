import { EngineError } from '../../../application/ports/engine-errors.js';
import { type Check, arr, field, inContext, num, obj } from './shape.js';

/**
 * Reads every page of an engine list (`{pageNum, pageSize}` → `{total, list}`, newest first). Because the list
 * is live, items can shift between page reads: a removal above the read position pushes an unread item onto a
 * page already read (missed), a new or re-sorted item pushes a read one onto the next page (seen twice). We
 * cannot see the miss directly, so the snapshot is marked incomplete on any sign of movement: a failed page,
 * `total` changing, an id seen twice, or fewer distinct ids than `total`. The items read are always returned.
 */
export interface PagedList<T> {
  readonly items: T[];
  readonly complete: boolean;
  /** Why it is incomplete, for the log line. */
  readonly reasons: string[];
  readonly failure?: EngineError;
  /** Pages requested, the failed one included. */
  readonly pages: number;
  /** Movement seen during the read: duplicates + |total change| + distinct ids short of the total. */
  readonly drift: number;
}

export interface PagerOptions<T> {
  /** `POST /api/v1/alarms/current/page`, for error messages. */
  readonly what: string;
  readonly pageSize: number;
  readonly maxPages: number;
  readonly item: Check<T>;
  readonly key: (item: T) => string;
  /** Fetches one page's `data`; page 1 failing fails the whole read (there is nothing to return). */
  readonly fetchPage: (pageNum: number) => Promise<unknown>;
}

const page = <T>(data: unknown, opts: PagerOptions<T>): { total: number; list: T[] } =>
  inContext(opts.what, () => {
    const d = obj(data, 'data');
    return { total: field(d, 'total', 'data', num), list: field(d, 'list', 'data', arr(opts.item)) };
  });

export async function readAllPages<T>(opts: PagerOptions<T>): Promise<PagedList<T>> {
  const first = page(await opts.fetchPage(1), opts);
  const byKey = new Map<string, T>();
  const reasons = new Set<string>();
  let duplicates = 0;
  let lastTotal = first.total;
  let pagesRead = 1;
  const add = (list: T[]): void => {
    for (const it of list) {
      const k = opts.key(it);
      if (byKey.has(k)) {
        duplicates++;
        reasons.add('an id appeared on two pages');
      }
      else byKey.set(k, it);
    }
  };
  add(first.list);
  const pages = Math.ceil(first.total / opts.pageSize);
  if (pages > opts.maxPages) reasons.add(`more than ${opts.maxPages} pages`);
  let failure: EngineError | undefined;
  for (let n = 2; n <= Math.min(pages, opts.maxPages); n++) {
    pagesRead++;
    try {
      const p = page(await opts.fetchPage(n), opts);
      lastTotal = p.total;
      if (p.total !== first.total) reasons.add(`total changed from ${first.total} to ${p.total}`);
      add(p.list);
      if (p.list.length === 0) break; // the list shrank under us; the count check below reports it
    } catch (e) {
      if (!(e instanceof EngineError)) throw e;
      failure = e;
      reasons.add(`page ${n} failed: ${e.message}`);
      break;
    }
  }
  if (!failure && byKey.size !== first.total && pages <= opts.maxPages) reasons.add(`${byKey.size} distinct of ${first.total}`);
  const shortfall = !failure && pages <= opts.maxPages ? Math.max(0, first.total - byKey.size) : 0;
  const drift = duplicates + Math.abs(lastTotal - first.total) + shortfall;
  return { items: [...byKey.values()], complete: reasons.size === 0, reasons: [...reasons], pages: pagesRead, drift, ...(failure ? { failure } : {}) };
}
