import { createServer, type Server } from 'node:http';
import { handleApi } from './api-routes.js';
import type { EngineState } from './engine-state.js';
import { sendJson } from './http-io.js';
import { handleSim } from './sim-routes.js';

/** node:http rather than express: faults need to destroy sockets and answer before a body is read. */
export const createEngineServer = (state: EngineState): Server =>
  createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://simulator');
    const work = url.pathname.startsWith('/__sim/')
      ? handleSim(state, req, res, url)
      : url.pathname.startsWith('/api/')
        ? handleApi(state, req, res, url)
        : Promise.resolve(sendJson(res, 404, { code: 404, msg: 'not found', data: null }));
    work.catch((err: unknown) => {
      // A bug in the simulator must surface in tests as a 500 with the cause, not as a hung request.
      sendJson(res, 500, { code: 500, msg: `simulator error: ${(err as Error).message}`, data: null });
    });
  });
