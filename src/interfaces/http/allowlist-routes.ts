import { Router, type Request } from 'express';
import { dump } from 'js-yaml';
import type { AllowlistStatus } from '../../application/allowlist/allowlist-holder.js';
import { listAllowlistChanges } from '../../application/allowlist/allowlist-changes.js';
import { dryRunAllowlist } from '../../application/allowlist/dry-run-allowlist.js';
import { editAllowlist, type AllowlistStore } from '../../application/allowlist/edit-allowlist.js';
import { loadAllowlist } from '../../application/allowlist/load-allowlist.js';
import type { MetricCatalogRequest, MetricCatalogView } from '../../application/catalog/query-metric-catalog.js';
import type { EventStore } from '../../application/ports/event-store.js';
import { EMPTY_ALLOWLIST, type CompiledAllowlist } from '../../domain/allowlist/compile-allowlist.js';
import { actorOf, requireScope } from './auth.js';
import { problemOf } from './problem.js';

export interface AllowlistRouteDeps {
  readonly source: { readonly kind: 'nacos'; readonly group: string; readonly dataId: string } | { readonly kind: 'file'; readonly path: string };
  /** The stored allowlist (Nacos, or the file). */
  readonly read: () => Promise<{ text: string; md5: string } | null>;
  /** Compare-and-set writes; absent when the source is a file (edit the file instead). */
  readonly store?: AllowlistStore;
  /** This replica's ingest holder, when it runs the ingest role. */
  readonly holder?: () => AllowlistStatus | null;
  readonly activeMatcher?: () => CompiledAllowlist | null;
  readonly events: EventStore;
  readonly catalog: (request: MetricCatalogRequest) => Promise<MetricCatalogView>;
}

/** `"9e1c…"`, `W/"9e1c…"` or bare → the md5; `"absent"` → null (create); `*` → whatever exists now. */
const expectedVersion = (header: string, currentMd5: string | null): string | null => {
  const tag = header.trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
  if (tag === '*') return currentMd5 ?? '(none)';
  return tag === 'absent' ? null : tag;
};

/** The body as allowlist text: YAML as sent, or the JSON document rendered as YAML. */
const bodyText = (req: Request): string => (typeof req.body === 'string' ? req.body : dump(req.body, { noRefs: true, lineWidth: -1 }));

export const allowlistRoutes = (deps: AllowlistRouteDeps): Router => {
  const r = Router();
  const dataId = deps.source.kind === 'nacos' ? deps.source.dataId : deps.source.path;

  r.get('/api/v1/allowlist', requireScope('read'), async (_req, res) => {
    const current = await deps.read();
    if (!current) throw problemOf(404, `no allowlist stored at ${deps.source.kind === 'nacos' ? `${deps.source.group}/${dataId}` : dataId}`);
    const loaded = loadAllowlist(current.text);
    const holder = deps.holder?.() ?? null;
    const storedRejection = loaded.ok ? null : { version: current.md5, errors: loaded.errors };
    res.setHeader('ETag', `"${current.md5}"`);
    res.json({
      source: deps.source,
      md5: current.md5,
      text: current.text,
      valid: loaded.ok,
      entries: loaded.ok ? loaded.spec.entries.length : 0,
      active: holder,
      lastRejected: storedRejection ?? holder?.lastRejected ?? null,
    });
  });

  r.put('/api/v1/allowlist', requireScope('write'), async (req, res) => {
    const store = deps.store;
    if (!store) throw problemOf(409, 'the allowlist source is a file: edit the file (the API writes only to Nacos)');
    const ifMatch = req.headers['if-match'];
    if (!ifMatch) throw problemOf(428, 'send If-Match with the md5 of the version you edited (the ETag of GET /api/v1/allowlist), or "absent" to create it');
    const current = await deps.read();
    const outcome = await editAllowlist(
      { store, events: deps.events, dataId },
      { text: bodyText(req), expectedMd5: expectedVersion(ifMatch, current?.md5 ?? null), actor: actorOf(req) },
    );
    switch (outcome.outcome) {
      case 'published':
        res.setHeader('ETag', `"${outcome.change.version}"`);
        res.json(outcome.change);
        return;
      case 'invalid':
        throw problemOf(422, 'the allowlist is not valid; nothing was published', {
          type: '/problems/invalid-allowlist',
          errors: outcome.errors.map((e) => ({ pointer: e.path, message: e.message })),
        });
      case 'conflict':
        throw problemOf(412, `the allowlist changed since you read it; the current version is ${outcome.currentMd5 ?? 'absent'}`);
      case 'busy':
        throw problemOf(503, 'another edit holds the allowlist lock; try again', { retryAfterSeconds: 1 });
      default: {
        const never: never = outcome;
        throw new Error(`unexpected outcome ${JSON.stringify(never)}`);
      }
    }
  });

  r.post('/api/v1/allowlist/validate', requireScope('read'), async (req, res) => {
    const minutes = Number(req.query.minutes ?? 15);
    let current = deps.activeMatcher?.() ?? null;
    if (!current) {
      const stored = await deps.read();
      const loaded = stored ? loadAllowlist(stored.text) : null;
      current = loaded?.ok ? loaded.compiled : EMPTY_ALLOWLIST;
    }
    const view = await deps.catalog({ minutes, limit: 1_000, sort: 'seen' });
    res.json(dryRunAllowlist(current, bodyText(req), view.entries, view.minutes));
  });

  r.get('/api/v1/allowlist/changes', requireScope('read'), async (req, res) => {
    res.json({ changes: await listAllowlistChanges(deps.events, dataId, Number(req.query.limit ?? 50)) });
  });

  r.get('/api/v1/metrics/catalog', requireScope('read'), async (req, res) => {
    const q = req.query as Record<string, string | undefined>;
    const view = await deps.catalog({
      ...(q.minutes !== undefined && { minutes: Number(q.minutes) }),
      ...(q.limit !== undefined && { limit: Number(q.limit) }),
      ...(q.prefix !== undefined && { prefix: q.prefix }),
      ...(q.sort !== undefined && { sort: q.sort as MetricCatalogRequest['sort'] }),
    });
    const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
    res.json({
      ...view,
      entries: view.entries.map((e) => ({ ...e, lastSeenAt: iso(e.lastSeenAt), perMinute: e.perMinute.map((m) => ({ ...m, at: iso(m.at) })) })),
    });
  });
  return r;
};
