#!/usr/bin/env bash
# The whole test suite from a fresh clone: installs npm dependencies if needed, starts the real local
# services (Redis, Kafka, r-nacos, Alertmanager — installed on first use), then typecheck, lint and every vitest suite.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund
fi
started=$(date +%s)
bash deploy/local/services.sh up
echo "[test] services ready in $(( $(date +%s) - started )) s"
npm run -s typecheck
npm run -s lint
npx vitest run "$@"
