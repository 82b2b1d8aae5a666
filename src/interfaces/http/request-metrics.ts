import type { RequestHandler } from 'express';
import { Histogram, type Registry } from 'prom-client';

/**
 * `aiops_api_request_duration_seconds{method,route,status}`: route is the OpenAPI path template the validator
 * matched (`/api/v1/rules/{id}`), so ids never become label values; anything unmatched is `unmatched`.
 */
export const requestMetrics = (registry: Registry): RequestHandler => {
  const histogram = new Histogram({
    name: 'aiops_api_request_duration_seconds',
    help: 'API request latency by route template, method and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  return (req, res, next) => {
    const end = histogram.startTimer();
    res.once('finish', () => {
      const matched = (req as { openapi?: { openApiRoute?: string } }).openapi?.openApiRoute;
      const route = matched ?? (req.path.startsWith('/admin/queues') ? '/admin/queues' : 'unmatched');
      end({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  };
};
