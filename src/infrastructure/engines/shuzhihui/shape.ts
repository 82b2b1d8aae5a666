import { EngineError } from '../../../application/ports/engine-errors.js';

/**
 * A tiny hand-rolled shape checker for engine responses. A check returns the value typed, or throws a
 * `contract` EngineError naming the field (`data.list[3].level: expected one of 1|2|3|4, got number 7`), so an
 * engine that changed its format fails loudly instead of being mis-mapped.
 */
export type Check<T> = (value: unknown, path: string) => T;

export const describe = (value: unknown): string => {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'string') return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'number') return `number ${value}`;
  return typeof value;
};

export const contractError = (path: string, expected: string, value: unknown): EngineError =>
  new EngineError('contract', `${path}: expected ${expected}, got ${describe(value)}`, false, { field: path });

export const num: Check<number> = (v, path) => {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw contractError(path, 'number', v);
  return v;
};

export const str: Check<string> = (v, path) => {
  if (typeof v !== 'string') throw contractError(path, 'string', v);
  return v;
};

/** A non-empty string: ids. */
export const id: Check<string> = (v, path) => {
  if (typeof v !== 'string' || v.length === 0) throw contractError(path, 'non-empty string', v);
  return v;
};

/** A number or an explicit `null` ("no value"); a missing field is still a contract error. */
export const nullableNum: Check<number | null> = (v, path) => (v === null ? null : num(v, path));

/** A number, or no value at all whether `null` or missing (the model's band before it has learnt anything). */
export const maybeNum: Check<number | null> = (v, path) => (v === null || v === undefined ? null : num(v, path));

export const optional =
  <T>(check: Check<T>): Check<T | undefined> =>
  (v, path) =>
    v === undefined || v === null ? undefined : check(v, path);

export const oneOf =
  <const T extends readonly (string | number)[]>(...allowed: T): Check<T[number]> =>
  (v, path) => {
    if (!allowed.includes(v as T[number])) throw contractError(path, `one of ${allowed.join('|')}`, v);
    return v as T[number];
  };

export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export const obj: Check<Record<string, unknown>> = (v, path) => {
  if (!isObject(v)) throw contractError(path, 'object', v);
  return v;
};

/** Reads and checks one field of an object. */
export const field = <T>(o: Record<string, unknown>, key: string, path: string, check: Check<T>): T =>
  check(o[key], `${path}.${key}`);

export const arr =
  <T>(check: Check<T>): Check<T[]> =>
  (v, path) => {
    if (!Array.isArray(v)) throw contractError(path, 'array', v);
    return v.map((item, i) => check(item, `${path}[${i}]`));
  };

/** `{ "host": "web-1" }`; `null` reads as empty, a missing field is a contract error (a renamed field must not pass). */
export const stringMap: Check<Record<string, string>> = (v, path) => {
  if (v === null) return {};
  const o = obj(v, path);
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(o)) out[k] = str(val, `${path}.${k}`);
  return out;
};

/** Runs a mapping and prefixes a contract error with the call it came from (`POST /api/v1/…: data.x: …`). */
export function inContext<T>(what: string, map: () => T): T {
  try {
    return map();
  } catch (e) {
    if (e instanceof EngineError && e.kind === 'contract') throw new EngineError('contract', `${what}: ${e.message}`, false, e.details);
    throw e;
  }
}
