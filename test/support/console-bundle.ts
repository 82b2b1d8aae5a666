import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BUNDLE = `${ROOT}/dist/console/index.html`;

/** The newest modification time of any file under `dir`. */
const newestIn = (dir: string): number =>
  readdirSync(dir, { withFileTypes: true }).reduce((newest, entry) => {
    const path = join(dir, entry.name);
    return Math.max(newest, entry.isDirectory() ? newestIn(path) : statSync(path).mtimeMs);
  }, 0);

/**
 * vitest global setup: the bridge serves the console from dist/console, so a run builds it (Vite, ~2 s) when it is
 * missing or older than any file under console/ — a stale bundle once made the browser test check old pages after
 * a console change. `npm run build` builds it too.
 */
export default function setup(): void {
  if (existsSync(BUNDLE) && statSync(BUNDLE).mtimeMs >= newestIn(`${ROOT}/console`)) return;
  execFileSync('npx', ['vite', 'build', '--config', 'console/vite.config.ts'], { cwd: ROOT, stdio: 'inherit' });
}
