#!/usr/bin/env bash
# `npm run bench -- <name> [args...]` runs bench/<name>.ts with tsx; without a name, lists the benchmarks.
# Each benchmark prints exactly one JSON line as its last line of output.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
name="${1:-}"
if [[ -z "$name" || ! -f "bench/$name.ts" ]]; then
  echo "usage: npm run bench -- <name> [args...]; benchmarks:" >&2
  for f in bench/*.ts; do n="${f#bench/}"; echo "  ${n%.ts}" >&2; done
  exit 2
fi
shift
exec npx tsx "bench/$name.ts" "$@"
