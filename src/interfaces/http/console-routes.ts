import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import express, { Router } from 'express';
import type { PipelineSamples } from '../../application/ports/pipeline-samples.js';
import { requireScope } from './auth.js';
import { problemOf } from './problem.js';

/** The console's bundle, built by `npm run build:console` (Vite) from console/ into dist/console/. */
export const CONSOLE_DIR = fileURLToPath(new URL('../../../dist/console', import.meta.url));

/**
 * The page itself carries no data and needs no key (a browser cannot send a header when it navigates); every
 * figure it shows comes from /api/v1 with the key the operator typed in, so it sees exactly what that key may.
 * Strict CSP: nothing but this origin, so a bundle that reached out elsewhere would fail in the browser test.
 */
export function consolePage(dir: string = CONSOLE_DIR): Router {
  const r = Router();
  const csp = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
  // Sent as a body, not with sendFile: the page is tiny, and conditional headers meant for the API (If-Match)
  // must not turn into a 412 here.
  r.get('/console', async (_req, res, next) => {
    const html = await readFile(`${dir}/index.html`, 'utf8').catch(() => undefined);
    if (html === undefined) return next(problemOf(503, 'the console is not built: run npm run build:console'));
    res.setHeader('Content-Security-Policy', csp);
    res.setHeader('Cache-Control', 'no-cache');
    res.type('html').send(html);
  });
  // Hashed file names (Vite): cached for good; a new build gets new names.
  r.use('/console', express.static(dir, { index: false, immutable: true, maxAge: '365d', fallthrough: true }));
  return r;
}

/** `GET /api/v1/status/history`: the fleet's pipeline buckets of the last `minutes` (the console's sparklines). */
export function pipelineHistoryRoutes(samples: PipelineSamples, now: () => number = Date.now): Router {
  const r = Router();
  r.get('/api/v1/status/history', requireScope('read'), async (req, res) => {
    const minutes = Number((req.query as { minutes?: string }).minutes ?? 60);
    const to = now();
    const from = to - minutes * 60_000;
    const points = await samples.read(from, to);
    res.json({
      stepSeconds: samples.stepMs / 1000,
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      points: points.map((p) => ({ at: new Date(p.at).toISOString(), values: p.values })),
    });
  });
  return r;
}
