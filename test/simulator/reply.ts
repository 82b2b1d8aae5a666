import type { RejectReason } from './accounting.js';
import { isRecord } from './http-io.js';

/** What a route decided; the server turns it into bytes (or into a dropped connection). */
export interface Reply {
  code: number;
  msg: string;
  data: unknown;
  status?: number;
  headers?: Record<string, string | string[]>;
  /** Counted under `rejected` in the report when set. */
  reason?: RejectReason;
}

export const success = (data: unknown, headers?: Record<string, string | string[]>): Reply =>
  ({ code: 0, msg: 'success', data, ...(headers === undefined ? {} : { headers }) });

export const failure = (code: number, msg: string, reason?: RejectReason, status?: number): Reply =>
  ({ code, msg, data: null, ...(reason === undefined ? {} : { reason }), ...(status === undefined ? {} : { status }) });

export const invalid = (field: string, problem: string): Reply => failure(1001, `${field}: ${problem}`, 'validation');

export interface Page { pageNum: number; pageSize: number }

export const MAX_PAGE_SIZE = 1000;

export const parsePage = (body: unknown): { kind: 'ok'; page: Page } | { kind: 'invalid'; reply: Reply } => {
  const b = isRecord(body) ? body : {};
  const pageNum = b.pageNum ?? 1;
  const pageSize = b.pageSize ?? 10;
  if (typeof pageNum !== 'number' || !Number.isInteger(pageNum) || pageNum < 1) return { kind: 'invalid', reply: invalid('pageNum', 'must be an integer ≥ 1') };
  if (typeof pageSize !== 'number' || !Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
    return { kind: 'invalid', reply: invalid('pageSize', `must be an integer in 1..${MAX_PAGE_SIZE}`) };
  }
  return { kind: 'ok', page: { pageNum, pageSize } };
};

/**
 * One page of an already newest-first list. `failPage` makes exactly that page fail (a partial snapshot for
 * the poller); `shapeChange` renames `list` to `rows`, as an engine upgrade might, to exercise contract errors.
 */
export const pageOf = <T, U>(items: readonly T[], page: Page, show: (item: T) => U, failPage: number | null, shapeChange: boolean): Reply => {
  if (failPage !== null && page.pageNum === failPage) return failure(500, `query failed on page ${page.pageNum}`, 'failPage');
  const from = (page.pageNum - 1) * page.pageSize;
  const list = items.slice(from, from + page.pageSize).map(show);
  return success(shapeChange ? { total: items.length, rows: list } : { total: items.length, list });
};
