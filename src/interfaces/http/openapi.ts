import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { RequestHandler } from 'express';
import * as OpenApiValidator from 'express-openapi-validator';
import { load } from 'js-yaml';
import { HOT_CHECKED, hotRouteCheck } from './hot-route-check.js';

/** docs/openapi.yaml, the contract: request and response shapes come from here and nowhere else. */
export const OPENAPI_PATH = fileURLToPath(new URL('../../../docs/openapi.yaml', import.meta.url));

export type OpenApiDocument = Record<string, unknown> & { paths: Record<string, Record<string, unknown>> };

let cached: OpenApiDocument | undefined;
export const openApiDocument = (): OpenApiDocument => (cached ??= load(readFileSync(OPENAPI_PATH, 'utf8')) as OpenApiDocument);

/**
 * express-openapi-validator over the document. Requests always; responses when `validateResponses` (the tests
 * turn it on, so every real answer in every route test is checked against the contract). Security is ours
 * (auth.ts), not the validator's. The dashboard's own assets and XHRs are bull-board's, and the console's
 * bundle files are static: both outside the contract. `hotPaths`: GET on these paths is checked by
 * hot-route-check.ts, unless responses are checked.
 */
export const openApiValidator = (opts: { validateResponses: boolean; hotPaths?: readonly string[] }): RequestHandler[] => {
  const validator = OpenApiValidator.middleware({
    // A deep copy: the validator annotates the schema objects it is given.
    apiSpec: structuredClone(openApiDocument()) as never,
    validateRequests: { allowUnknownQueryParameters: false },
    validateResponses: opts.validateResponses ? { removeAdditional: false } : false,
    validateSecurity: false,
    // The document is checked in CI (test/integration/api/contract.test.ts) and with responses checked (every
    // route test); re-checking it against the OpenAPI meta-schema at every start cost ~0.4 CPU s.
    validateApiSpec: opts.validateResponses,
    ignoreUndocumented: false,
    // The console's bundle files (hashed names) are static assets, not API.
    ignorePaths: /^\/(admin\/queues|console)\/./,
  }) as unknown as RequestHandler[];
  // GET on the hot paths is checked by hotRouteCheck instead, when responses are not checked (see there).
  if (opts.validateResponses || !opts.hotPaths?.length) return validator;
  const skipChecked = (h: RequestHandler): RequestHandler => (req, res, next) => ((req as unknown as Record<symbol, unknown>)[HOT_CHECKED] ? next() : h(req, res, next));
  return [hotRouteCheck(openApiDocument(), opts.hotPaths), ...validator.map(skipChecked)];
};
