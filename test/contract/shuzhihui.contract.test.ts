import { createShuzhihuiEngine } from '../../src/infrastructure/engines/shuzhihui/index.js';
import { startEngineSimulator } from '../simulator/index.js';
import { describeAnalysisEngineContract } from './analysis-engine.contract.js';

describeAnalysisEngineContract('数智慧 adapter against the engine simulator', async () => {
  const sim = await startEngineSimulator({ evaluateEveryMs: 100 });
  const engine = createShuzhihuiEngine({ baseUrl: sim.url, auth: { mode: 'bearer', username: 'admin', password: 'admin123' } });
  return {
    engine,
    reset: async () => {
      await fetch(`${sim.url}/__sim/reset`, { method: 'POST' });
    },
    close: async () => {
      await engine.close();
      await sim.close();
    },
  };
});
