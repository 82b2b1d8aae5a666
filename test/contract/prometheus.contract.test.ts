import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PrometheusEngine } from '../../src/infrastructure/engines/prometheus/index.js';
import { prometheusRulesDir } from '../support/prometheus.js';
import { services, uniqueSuffix } from '../support/services.js';
import { describeAnalysisEngineContract } from './analysis-engine.contract.js';

describeAnalysisEngineContract(
  'Prometheus adapter against the real Prometheus',
  async () => {
    const rulesDir = await prometheusRulesDir(services.prometheusUrl);
    // A rule set of its own per run: its file, its record and its alerts are apart from any other run's.
    const settings = { rulesDir, ruleSet: `contract-${uniqueSuffix()}`, timeoutMs: 5_000 };
    const engine = new PrometheusEngine({ url: services.prometheusUrl, ...settings });
    return {
      engine,
      url: services.prometheusUrl,
      alarmHistory: false,
      engineAt: (url, hooks) => ({ engine: new PrometheusEngine({ url, ...settings }, undefined, hooks), close: () => undefined }),
      close: async () => {
        await rm(join(rulesDir, `${settings.ruleSet}.yml`), { force: true });
        await rm(join(rulesDir, `${settings.ruleSet}.rules.json`), { force: true });
        await fetch(`${services.prometheusUrl}/-/reload`, { method: 'POST' });
      },
    };
  },
  // Prometheus evaluates rules every 5 s (deploy/local/services.sh) and a reload takes effect at the next round.
  { alarmTimeoutMs: 30_000, pollMs: 500 },
);
