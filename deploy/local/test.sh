#!/usr/bin/env bash
# The whole test suite from a fresh clone: installs npm dependencies if needed, starts the real local
# services (Redis, Kafka, r-nacos, Alertmanager, Prometheus — installed on first use) and chromium, then typecheck, lint and every
# vitest suite (whose global setup builds the console bundle if it is missing).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund
fi
started=$(date +%s)
bash deploy/local/services.sh up
# The console's browser tests drive Debian's chromium (apt-get on first use; Playwright never downloads one).
bash deploy/local/browser.sh >/dev/null
echo "[test] services ready in $(( $(date +%s) - started )) s"
npm run -s typecheck
npm run -s lint
npx vitest run "$@"
