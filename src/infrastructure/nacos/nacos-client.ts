import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { Agent } from 'node:http';
import { DataClient, HttpAgent, type ISnapshot } from 'nacos';

/** How to reach one Nacos config (shared by the allowlist source and the publisher). */
export interface NacosConnectionOptions {
  /** `host:port` (or several, comma-separated), HTTP v1 API. */
  readonly serverAddr: string;
  /** Nacos namespace (tenant) id; empty or absent means the public namespace. */
  readonly namespace?: string;
  readonly group: string;
  readonly dataId: string;
  /** Sent by the client as plain parameters on every request: never log them. */
  readonly username?: string;
  readonly password?: string;
  /** Budget for one ordinary request, retries included (long polls use the client's own 40 s). */
  readonly requestTimeoutMs: number;
  /** Pause after a failed attempt before the client retries (default 1000 ms); see PausingHttpAgent. */
  readonly retryPauseMs?: number;
}

export interface NacosHandle {
  readonly client: DataClient;
  /** Stops long polling at once: in-flight requests are cut and the retry loops end. */
  close(): void;
}

/** The Nacos md5 of a config's content: equal texts have equal versions, and it is what Nacos itself compares. */
export const contentMd5 = (text: string): string => createHash('md5').update(text, 'utf8').digest('hex');

/**
 * The client caches every config it reads under ~/.node-diamond-client-cache and, when the server is down,
 * silently answers from that cache (a missing config cached as ''). We keep our own last-accepted snapshot, so
 * the client's cache is switched off: a read either reaches Nacos or fails.
 */
class NoSnapshot extends EventEmitter implements ISnapshot {
  readonly cacheDir = '';
  async get(): Promise<null> {
    return null;
  }
  async save(): Promise<void> {}
  async delete(): Promise<void> {}
  async batchSave(): Promise<void> {}
}

class NoCacheDataClient extends DataClient {
  protected override getSnapshot(): ISnapshot {
    return new NoSnapshot();
  }
}

interface Transport {
  readonly agent: Agent;
  readonly pauseMs: number;
  closed: boolean;
}
type RequestFn = (url: string, options: Record<string, unknown>) => Promise<{ status: number }>;

// An answer that makes the client's loops end quietly once we are closed (a 404 is "no data, no error").
const closedAnswer = { status: 404, data: null, headers: {} };
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms).unref());

/**
 * The client's HttpAgent retries a failed request in a loop with no delay until its timeout (40 s for a long
 * poll): with Nacos down that is thousands of connection attempts a second. This agent pauses after every
 * failure, and sends requests through our own http.Agent so close() can cut an in-flight long poll.
 */
const pausingHttpAgent = (transport: Transport): typeof HttpAgent =>
  class PausingHttpAgent extends HttpAgent {
    override get httpclient(): { request: RequestFn } {
      const inner = super.httpclient as { request: RequestFn };
      return {
        request: async (url, options) => {
          if (transport.closed) return closedAnswer;
          try {
            const res = await inner.request(url, { ...options, agent: transport.agent });
            if (res.status !== 200 && res.status !== 404) await sleep(transport.pauseMs);
            return res;
          } catch (err) {
            if (transport.closed) return closedAnswer;
            await sleep(transport.pauseMs);
            throw err;
          }
        },
      };
    }
  };

/**
 * `onError` receives the client's background errors (failed long polls and syncs). One is always attached:
 * without it the client prints errors to stderr with their request parameters, credentials included.
 */
export const createNacosClient = (options: NacosConnectionOptions, onError: (err: unknown) => void = () => {}): NacosHandle => {
  const transport: Transport = { agent: new Agent(), pauseMs: options.retryPauseMs ?? 1000, closed: false };
  const client = new NoCacheDataClient({
    serverAddr: options.serverAddr,
    namespace: options.namespace ?? '',
    ...(options.username ? { username: options.username, password: options.password ?? '' } : {}),
    requestTimeout: options.requestTimeoutMs,
    httpAgent: pausingHttpAgent(transport),
  });
  client.on('error', onError);
  return {
    client,
    close: () => {
      transport.closed = true;
      client.close();
      transport.agent.destroy();
    },
  };
};

/**
 * A log-safe description of a client error. The client's errors carry the request parameters (username and
 * password included) in `data`, `headers` and sometimes the message, so only name, code and a scrubbed message
 * survive.
 */
export const describeNacosError = (err: unknown, secrets: readonly (string | undefined)[]): { name: string; code?: string; message: string } => {
  const e: Error & { code?: unknown } = err instanceof Error ? err : new Error(String(err));
  let message = e.message
    .replace(/(password|username|accessToken)=[^&\s,"]*/gi, '$1=***')
    .replace(/"(password|username|accessToken)":"[^"]*"/gi, '"$1":"***"');
  for (const secret of secrets) if (secret) message = message.split(secret).join('***');
  return { name: e.name, ...(typeof e.code === 'string' ? { code: e.code } : {}), message };
};

/** A failed Nacos request, scrubbed of the request parameters the client attaches (credentials among them). */
export class NacosRequestError extends Error {
  readonly code = 'NACOS.REQUEST_FAILED';
  readonly retryable = true;
  constructor(message: string) {
    super(message);
    this.name = 'NacosRequestError';
  }
}

/** Runs a client call; a failure is rethrown as a NacosRequestError that is safe to log. */
export const scrubbed = async <T>(call: Promise<T>, password: string | undefined): Promise<T> => {
  try {
    return await call;
  } catch (err) {
    const { name, code, message } = describeNacosError(err, [password]);
    throw new NacosRequestError(`${name}${code ? ` ${code}` : ''}: ${message}`);
  }
};
