import type { IncomingMessage } from 'node:http';
import type { EngineState } from './engine-state.js';
import type { Reply } from './reply.js';

/** What an engine route gets: the state, the request, the parsed JSON body (or {}), path parameters, now. */
export interface RouteContext {
  state: EngineState;
  req: IncomingMessage;
  url: URL;
  body: unknown;
  params: Record<string, string>;
  nowMs: number;
}

export interface Route {
  method: string;
  /** Matched against the path; named groups become `params`. */
  pattern: RegExp;
  /** Label for per-endpoint counts in the report, e.g. `PUT /api/v1/anomaly/rules/{ruleId}`. */
  endpoint: string;
  auth: boolean;
  readsBody: boolean;
  handle: (ctx: RouteContext) => Reply;
}
