import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { NacosAllowlistPublisher } from '../../../src/infrastructure/nacos/nacos-allowlist-publisher.js';
import { startBridge, type RunningBridge } from '../../../src/main.js';
import { startEngineSimulator, type RunningSimulator } from '../../simulator/index.js';
import { newWebhookSecret } from '../../support/alarm-chain.js';
import { createTopic, testConfig, testLogger, writeAllowlist } from '../../support/bridge-harness.js';
import { services, uniqueSuffix } from '../../support/services.js';
import { SignedReceiver } from '../../support/signed-receiver.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
export const ARTEFACTS = join(ROOT, '.cache/artefacts/console');
export const KEYS = { reader: 'console-reader-0123456789', writer: 'console-writer-0123456789' } as const;
export const GROUP = 'AIOPS_TEST';
export const allowlistOf = (...names: string[]): string => `version: 1\nentries:\n${names.map((n) => `  - measurement: ${n.split('.')[0]}\n    fields: [${n.split('.')[1]}]`).join('\n')}\n`;

export interface ConsoleStack {
  readonly url: string;
  readonly bridge: RunningBridge;
  readonly sim: RunningSimulator;
  readonly topic: string;
  readonly redis: Redis;
  /** The fleet's Redis key prefix. */
  readonly prefix: string;
  /** Publishes to the test's Nacos data id behind the console's back (another operator, the Nacos console). */
  readonly nacos: NacosAllowlistPublisher;
  /** The alarm platform: the bridge's webhook sink delivers every alarm event here (signatures verified). */
  readonly receiver: SignedReceiver;
  readonly context: BrowserContext;
  readonly page: Page;
  /** Every console message of type error and every uncaught page error, as text. */
  readonly errors: string[];
  close(): Promise<void>;
}

/**
 * The real stack for the browser tests: engine simulator, Redis, Kafka (a fresh topic), r-nacos (a fresh data
 * id), one bridge running ingest + forward + api + projections (the alarm read model, and delivery to a signed
 * webhook receiver started here, which starts refusing with 503) with a reader and a writer key, and Debian's chromium driven by
 * playwright-core with a fresh profile (deploy/local/browser.sh installs it; Playwright never downloads one).
 */
export async function startConsoleStack(firstAllowlist: string): Promise<ConsoleStack> {
  const executablePath = execFileSync('bash', [join(ROOT, 'deploy/local/browser.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  const sim = await startEngineSimulator({ tokenTtlSeconds: 600 });
  const topic = await createTopic(3);
  const dataId = `console-allowlist-${uniqueSuffix()}.yaml`;
  const redis = new Redis(services.redisUrl);
  const prefix = `t-console-${uniqueSuffix()}`;
  const nacos = new NacosAllowlistPublisher({ serverAddr: services.nacosAddr, group: GROUP, dataId, requestTimeoutMs: 3_000, redis, keyPrefix: prefix });
  await nacos.publishAllowlist(firstAllowlist);
  const profile = mkdtempSync(join(tmpdir(), 'console-chromium-'));
  const secret = newWebhookSecret();
  const receiver = new SignedReceiver(secret);
  // Down until the test lets it up: the first delivery is retried, so the timeline has an attempt count above 1.
  receiver.down = true;
  const webhookUrl = await receiver.start();
  const config = testConfig({
    topic,
    engineUrl: sim.url,
    allowlistFile: writeAllowlist([0]),
    overrides: {
      roles: ['ingest', 'forward', 'api', 'projections'],
      redis: { url: services.redisUrl, keyPrefix: prefix },
      allowlist: { source: 'nacos', nacos: { serverAddr: services.nacosAddr, group: GROUP, dataId, requestTimeoutMs: 3_000, snapshotPath: join(profile, 'snapshot.yaml') } },
      http: { port: 0, sampleEveryMs: 1_000 },
      alarms: { sinks: { webhook: { enabled: true, url: webhookUrl, secret, source: 'urn:aiops-bridge:console', typePrefix: 'com.example.aiops', timeoutMs: 5_000 } } },
      projections: { backoffBaseMs: 200, backoffMaxMs: 1_000, idleMs: 100 },
      api: {
        validateResponses: true,
        rulesReconcileEveryMs: 0,
        rateLimit: { points: 1_000, durationSeconds: 1 },
        keys: [
          { name: 'reader', key: KEYS.reader, scopes: ['read'] },
          { name: 'writer', key: KEYS.writer, scopes: ['write'] },
        ],
      },
    },
  });
  const bridge = await startBridge(config, testLogger());
  const context = await chromium.launchPersistentContext(join(profile, 'user-data'), {
    executablePath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 900 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`${m.text()} @ ${m.location().url}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  mkdirSync(ARTEFACTS, { recursive: true });
  return {
    url: `http://127.0.0.1:${bridge.httpPort}`,
    bridge,
    sim,
    topic,
    redis,
    prefix,
    nacos,
    receiver,
    context,
    page,
    errors,
    close: async () => {
      await context.close().catch(() => undefined);
      await bridge.stop();
      await sim.close();
      await receiver.close();
      nacos.close();
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(...keys);
      await redis.quit();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

const requireFromHere = createRequire(import.meta.url);
const AXE = readFileSync(requireFromHere.resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }

/**
 * axe-core (WCAG 2 A/AA rules, contrast included) run inside the page. Evaluated through the DevTools protocol,
 * which the page's CSP does not govern, so the console's own strict policy stays in force during the test.
 */
export async function axeViolations(page: Page): Promise<string[]> {
  await page.evaluate(`${AXE};0`);
  const violations = (await page.evaluate(`axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }).then((r) => r.violations)`)) as AxeViolation[];
  return violations.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}
