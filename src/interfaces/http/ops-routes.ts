import { Router, type Request, type Response } from 'express';
import type { Registry } from 'prom-client';

export interface ReadinessCheck {
  readonly name: string;
  readonly check: () => Promise<void>;
}

/** Operations endpoints: liveness, readiness (each dependency checked, named in the answer) and Prometheus metrics. */
export function opsRoutes(opts: { registry: Registry; readiness: readonly ReadinessCheck[]; status?: () => Promise<unknown> }): Router {
  const r = Router();
  r.get('/healthz', (_req: Request, res: Response) => {
    res.json({ status: 'ok' });
  });
  r.get('/readyz', async (_req: Request, res: Response) => {
    const results = await Promise.all(
      opts.readiness.map(async (c) => {
        try {
          await c.check();
          return { name: c.name, ok: true };
        } catch (err) {
          return { name: c.name, ok: false, error: (err as Error).message };
        }
      }),
    );
    const ready = results.every((r) => r.ok);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', checks: results });
  });
  r.get('/metrics', async (_req: Request, res: Response) => {
    res.type(opts.registry.contentType).send(await opts.registry.metrics());
  });
  if (opts.status) {
    const status = opts.status;
    r.get('/api/v1/status', async (_req: Request, res: Response) => {
      res.json(await status());
    });
  }
  return r;
}
