import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { Router } from 'express';
import type { Queue } from 'bullmq';
import { authenticate, requireScope, type ApiKeys } from './auth.js';

export const DASHBOARD_PATH = '/admin/queues';

/**
 * bull-board over the service's BullMQ queues, behind HTTP Basic auth whose password is an admin-scoped API key:
 * the browser asks for it once and then sends it with the page, its assets and its own XHRs (bull-board's UI
 * sends no custom header, so Bearer would not work here). `queues`: the forward queue, plus whatever the
 * config names (`api.dashboardQueues`) — the hook for the poll and delivery queues.
 */
export const queueDashboard = (keys: ApiKeys, queues: readonly Queue[]): Router => {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(DASHBOARD_PATH);
  createBullBoard({ queues: queues.map((q) => new BullMQAdapter(q)), serverAdapter, options: { uiConfig: { boardTitle: 'aiops-bridge queues' } } });
  const r = Router();
  r.use(DASHBOARD_PATH, authenticate(keys, { basicRealm: 'aiops-bridge queues' }), requireScope('admin'), serverAdapter.getRouter() as Router);
  return r;
};
