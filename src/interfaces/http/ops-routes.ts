import { Router, type Request, type Response } from 'express';
import type { Registry } from 'prom-client';

/** One dependency of `/readyz`: resolves (with details worth showing, if any) or throws why it is not ready. */
export interface ReadinessCheck {
  readonly name: string;
  /** An error with a `details` property shows those details too. */
  readonly check: () => Promise<unknown>;
  /**
   * A dependency the whole fleet shares and that this replica can work around for a while (Nacos: it keeps the
   * allowlist it holds; the engine: ingest pauses, queries go on; the alarm platform: events wait in the log).
   * Its failure is reported and makes the answer `degraded`, still 200: taking every replica out of service at
   * once because of it would turn a partial outage into a full one.
   */
  readonly advisory?: boolean;
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
          const details = await c.check();
          return { name: c.name, ok: true, ...(c.advisory && { advisory: true }), ...(details !== undefined && { details }) };
        } catch (err) {
          const details = (err as { details?: unknown }).details;
          return { name: c.name, ok: false, ...(c.advisory && { advisory: true }), error: (err as Error).message, ...(details !== undefined && { details }) };
        }
      }),
    );
    const ready = results.every((r) => r.ok || r.advisory === true);
    const status = !ready ? 'not_ready' : results.every((r) => r.ok) ? 'ready' : 'degraded';
    res.status(ready ? 200 : 503).json({ status, checks: results });
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
