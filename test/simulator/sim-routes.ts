import type { IncomingMessage, ServerResponse } from 'node:http';
import { publicAlarm } from './alarms.js';
import type { EngineState } from './engine-state.js';
import { mergeFaults } from './faults.js';
import { isRecord, parseJson, readBody, sendJson } from './http-io.js';
import { noFaults } from './types.js';

const readJson = async (req: IncomingMessage): Promise<unknown> => {
  const read = await readBody(req);
  if (read.kind !== 'ok') return undefined;
  const parsed = parseJson(read.text);
  return parsed.kind === 'ok' ? parsed.value : undefined;
};

/**
 * Test-only controls: plain JSON, no envelope, no auth, no faults and not counted, so a test can always
 * reach them even while it has the engine in an outage.
 */
export const handleSim = async (state: EngineState, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
  const route = `${req.method ?? 'GET'} ${url.pathname}`;
  switch (route) {
    case 'GET /__sim/report':
      return sendJson(res, 200, state.accounting.report());
    case 'GET /__sim/arrivals':
      return sendJson(res, 200, state.accounting.arrivals());
    case 'GET /__sim/points':
      return sendJson(res, 200, state.accounting.points(url.searchParams.get('metric') ?? undefined));
    case 'GET /__sim/faults':
      return sendJson(res, 200, state.faults.faults);
    case 'POST /__sim/faults': {
      const update = mergeFaults(state.faults.faults, await readJson(req));
      if (update.kind === 'invalid') return sendJson(res, 400, { error: update.message });
      state.faults.faults = update.faults;
      if (update.expireTokensNow) state.tokens.expireAll();
      return sendJson(res, 200, state.faults.faults);
    }
    case 'DELETE /__sim/faults':
      state.faults.faults = noFaults();
      return sendJson(res, 200, state.faults.faults);
    case 'POST /__sim/reset': {
      const body = await readJson(req);
      state.reset(isRecord(body) && body.keepRules === true);
      return sendJson(res, 200, { reset: true });
    }
    case 'POST /__sim/evaluate':
      state.evaluateRules();
      return sendJson(res, 200, { firing: state.alarms.current().length });
    case 'GET /__sim/alarms':
      return sendJson(res, 200, {
        current: state.alarms.current().map(publicAlarm),
        history: state.alarms.history(0, Number.MAX_SAFE_INTEGER).map(publicAlarm),
      });
    default:
      return sendJson(res, 404, { error: `no such control: ${route}` });
  }
};
