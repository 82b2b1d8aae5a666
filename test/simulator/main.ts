/**
 * Runs the engine simulator on its own, for the demo and benchmarks:
 *   npx tsx test/simulator/main.ts --port 18080 --token-ttl 1800 --auth bearer [--host 127.0.0.1]
 *     [--evaluate-every-ms 1000] [--username admin --password admin123] [--seed 42]
 * Prints one line with its URL and runs until SIGINT/SIGTERM.
 */
import { parseArgs } from 'node:util';
import { startEngineSimulator } from './index.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '18080' },
    host: { type: 'string', default: '127.0.0.1' },
    'token-ttl': { type: 'string', default: '1800' },
    auth: { type: 'string', default: 'bearer' },
    'evaluate-every-ms': { type: 'string', default: '1000' },
    'max-points-per-series': { type: 'string', default: '1000' },
    username: { type: 'string', default: 'admin' },
    password: { type: 'string', default: 'admin123' },
    seed: { type: 'string' },
  },
});

const auth = values.auth;
if (auth !== 'bearer' && auth !== 'cookie') {
  console.error(`--auth must be bearer or cookie, got ${auth}`);
  process.exit(2);
}

const sim = await startEngineSimulator({
  port: Number(values.port),
  host: values.host,
  authMode: auth,
  tokenTtlSeconds: Number(values['token-ttl']),
  evaluateEveryMs: Number(values['evaluate-every-ms']),
  maxPointsPerSeries: Number(values['max-points-per-series']),
  username: values.username,
  password: values.password,
  ...(values.seed === undefined ? {} : { randomSeed: Number(values.seed) }),
});
console.log(`engine simulator listening on ${sim.url} (auth ${auth}, token ttl ${values['token-ttl']}s)`);

const stop = (): void => {
  sim.close().then(() => process.exit(0), () => process.exit(1));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
