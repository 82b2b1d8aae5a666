/**
 * The demo's detection rules, created on the engine through our own adapter (as the rules API will): a wobble
 * on order_service latency that fires and recovers about every 45 s (so alarms are raised, updated and resolved
 * within the first minute), and the slow checkout ramp's threshold that fires after a few minutes.
 * Existing rules of the same name are left as they are. Usage: tsx deploy/local/demo-rules.ts --engine http://127.0.0.1:18080
 */
import { createShuzhihuiEngine } from '../../src/infrastructure/engines/shuzhihui/index.js';
import type { DetectionRuleSpec } from '../../src/domain/detection-rule.js';

const arg = process.argv.indexOf('--engine');
const baseUrl = arg >= 0 ? (process.argv[arg + 1] ?? '') : 'http://127.0.0.1:18080';
const engine = createShuzhihuiEngine({
  baseUrl,
  auth: { mode: 'bearer', username: 'admin', password: process.env.AIOPS__ENGINE__AUTH__PASSWORD ?? 'admin123' },
});

const rules: DetectionRuleSpec[] = [
  {
    name: 'order latency wobble',
    metric: 'order_service.latency_ms',
    tagFilter: { env: 'prod' },
    algorithm: { kind: 'threshold', operator: '>', value: 85, durationSeconds: 0 },
    level: 'minor',
    enabled: true,
  },
  {
    name: 'checkout latency high',
    metric: 'order_service.latency_ms',
    tagFilter: { service: 'checkout' },
    algorithm: { kind: 'threshold', operator: '>', value: 250, durationSeconds: 30 },
    level: 'critical',
    enabled: true,
  },
];

const existing = new Set((await engine.listRules()).map((r) => r.name));
for (const rule of rules) {
  if (existing.has(rule.name)) console.log(`rule "${rule.name}" already there`);
  else console.log(`rule "${rule.name}" created: ${(await engine.createRule(rule)).engineRuleId}`);
}
await engine.close?.();
