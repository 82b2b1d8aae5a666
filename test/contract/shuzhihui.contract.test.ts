import { createShuzhihuiEngine } from '../../src/infrastructure/engines/shuzhihui/index.js';
import { startEngineSimulator } from '../simulator/index.js';
import { describeAnalysisEngineContract } from './analysis-engine.contract.js';

describeAnalysisEngineContract('数智慧 adapter against the engine simulator', async () => {
  const sim = await startEngineSimulator({ evaluateEveryMs: 100 });
  const auth = { mode: 'bearer', username: 'admin', password: 'admin123' } as const;
  const engine = createShuzhihuiEngine({ baseUrl: sim.url, auth });
  return {
    engine,
    url: sim.url,
    alarmHistory: true,
    engineAt: (baseUrl, hooks) => {
      const other = createShuzhihuiEngine({ baseUrl, auth, timeouts: { requestMs: 5_000 } }, undefined, hooks);
      return { engine: other, close: () => other.close() };
    },
    reset: async () => {
      await fetch(`${sim.url}/__sim/reset`, { method: 'POST' });
    },
    close: async () => {
      await engine.close();
      await sim.close();
    },
  };
});
