import type { Express } from 'express';

interface Layer {
  readonly name: string;
  readonly rawPath?: string;
  readonly slash?: boolean;
  readonly route?: { readonly path: string; readonly methods: Record<string, boolean> };
  readonly handle: { readonly stack?: readonly Layer[] };
}

/** `/a/:id` → `/a/{id}` (OpenAPI's template syntax). */
const toTemplate = (path: string): string => path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

/**
 * What express will answer: every route as `METHOD /path` (OpenAPI templates), and every router mounted under a
 * path (not '/') as `MOUNT /path` — a sub-application whose routes are not ours to list (the dashboard).
 */
export const registeredRoutes = (app: Express): string[] => {
  const out: string[] = [];
  const walk = (stack: readonly Layer[], prefix: string): void => {
    for (const layer of stack) {
      if (layer.route) {
        for (const [method, on] of Object.entries(layer.route.methods)) if (on && method !== '_all') out.push(`${method.toUpperCase()} ${toTemplate(prefix + layer.route.path)}`);
      } else if (layer.handle.stack && layer.slash) {
        walk(layer.handle.stack, prefix);
      } else if (layer.handle.stack || layer.name === 'app') {
        // A router or a whole express app (bull-board's) mounted under a path.
        out.push(`MOUNT ${prefix}${layer.rawPath ?? '?'}`);
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '');
  return [...new Set(out)].sort();
};
