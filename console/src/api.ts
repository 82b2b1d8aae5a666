/** The key lives in this tab's sessionStorage only: closing the tab forgets it; it is never put in a URL or cookie. */
const KEY = 'aiops-bridge.apiKey';

export const apiKey = {
  get: (): string | null => sessionStorage.getItem(KEY),
  set: (k: string): void => sessionStorage.setItem(KEY, k),
  clear: (): void => sessionStorage.removeItem(KEY),
};

export interface ProblemField {
  readonly pointer: string;
  readonly message: string;
}

/** An RFC 9457 answer from our API, kept whole so that pages can show `errors` at their fields. */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string | undefined,
    readonly errors: readonly ProblemField[],
  ) {
    super(detail ? `${title}: ${detail}` : title);
  }
}

export interface ApiReply<T> {
  readonly body: T;
  readonly etag: string | null;
}

/** Called when the key is refused (401): the shell goes back to the login form. */
let onUnauthorized: () => void = () => undefined;
export const whenUnauthorized = (f: () => void): void => {
  onUnauthorized = f;
};

/** Every call of the console goes through here: our own /api/v1, the key as a Bearer header. */
/** `signingIn`: a 401 is the answer to the login form's check, not a session that expired. */
export async function api<T>(method: string, path: string, opts: { body?: unknown; yaml?: string; ifMatch?: string; signingIn?: boolean } = {}): Promise<ApiReply<T>> {
  const headers: Record<string, string> = { accept: 'application/json, application/problem+json' };
  const key = apiKey.get();
  if (key) headers.authorization = `Bearer ${key}`;
  if (opts.ifMatch !== undefined) headers['if-match'] = opts.ifMatch;
  let body: string | undefined;
  if (opts.yaml !== undefined) {
    headers['content-type'] = 'application/yaml';
    body = opts.yaml;
  } else if (opts.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  const res = await fetch(`/api/v1${path}`, { method, headers, ...(body !== undefined && { body }) });
  const text = await res.text();
  const json = text ? (JSON.parse(text) as unknown) : undefined;
  if (!res.ok) {
    const p = (json ?? {}) as { title?: string; detail?: string; errors?: ProblemField[] };
    if (res.status === 401 && !opts.signingIn) onUnauthorized();
    throw new ApiProblem(res.status, p.title ?? res.statusText, p.detail, p.errors ?? []);
  }
  return { body: json as T, etag: res.headers.get('etag') };
}

export const get = async <T>(path: string): Promise<T> => (await api<T>('GET', path)).body;
