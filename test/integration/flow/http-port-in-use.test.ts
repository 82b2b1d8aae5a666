import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBridge } from '../../../src/main.js';
import { testConfig, testLogger } from '../../support/bridge-harness.js';

describe('when the HTTP port is already taken', () => {
  let squatter: Server;
  let port: number;

  beforeAll(async () => {
    squatter = createServer((_req, res) => res.end('not the bridge'));
    await new Promise<void>((r) => squatter.listen(0, '127.0.0.1', r));
    const address = squatter.address();
    port = typeof address === 'object' && address ? address.port : 0;
  });
  afterAll(async () => {
    await new Promise<void>((r) => squatter.close(() => r()));
  });

  it('fails to start with a message naming the port, instead of reporting started', async () => {
    const config = testConfig({
      topic: 'unused',
      engineUrl: 'http://127.0.0.1:9',
      allowlistFile: 'unused',
      overrides: { roles: ['api', 'forward'], http: { port, host: '127.0.0.1' } },
    });
    await expect(startBridge(config, testLogger())).rejects.toThrow(`http: cannot listen on 127.0.0.1:${port}: the port is already in use`);
  });
});
