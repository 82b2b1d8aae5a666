import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CallClass, CallOutcome, EngineRequestHooks } from '../../src/application/ports/engine-budget.js';

export interface LocalServer {
  readonly url: string;
  close(): Promise<void>;
}

const listen = async (server: http.Server): Promise<LocalServer> => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
};

/** A server that answers every request with well-formed JSON of a shape no engine API has. */
export const startGarbageServer = (): Promise<LocalServer> =>
  listen(
    http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ surprise: ['not', 'what', 'you', 'expected'] }));
      });
    }),
  );

/** A port nothing listens on (bound once, then released). */
export async function closedPortUrl(): Promise<string> {
  const s = await listen(http.createServer());
  await s.close();
  return s.url;
}

/** A pass-through proxy that counts the HTTP requests an adapter really sends. */
export async function startCountingProxy(target: string): Promise<LocalServer & { readonly requests: () => number }> {
  let requests = 0;
  const base = new URL(target);
  const server = http.createServer((req, res) => {
    requests++;
    const upstream = http.request(
      { host: base.hostname, port: base.port, method: req.method, path: req.url, headers: { ...req.headers, host: base.host } },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  const s = await listen(server);
  return { ...s, requests: () => requests };
}

/** EngineRequestHooks that grant every request at once and count grants and reported outcomes. */
export function countingHooks(): EngineRequestHooks & { readonly grants: CallClass[]; readonly outcomes: CallOutcome[] } {
  const grants: CallClass[] = [];
  const outcomes: CallOutcome[] = [];
  return {
    grants,
    outcomes,
    beforeRequest: (cls) => {
      grants.push(cls);
      return Promise.resolve(undefined);
    },
    afterResponse: (o) => void outcomes.push(o),
  };
}
