import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * vitest global setup: the bridge serves the console from dist/console, so a run on a fresh clone builds it once
 * (Vite, ~2 s) when it is missing; `npm run build` builds it too. An existing bundle is used as it is.
 */
export default function setup(): void {
  if (existsSync(`${ROOT}/dist/console/index.html`)) return;
  execFileSync('npx', ['vite', 'build', '--config', 'console/vite.config.ts'], { cwd: ROOT, stdio: 'inherit' });
}
