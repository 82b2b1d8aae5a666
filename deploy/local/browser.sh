#!/usr/bin/env bash
# The browser the console's end-to-end tests drive: Debian's chromium, installed with apt-get on first use
# (never downloaded by Playwright). Prints its path. Usage: deploy/local/browser.sh
set -euo pipefail
BIN="${AIOPS_CHROMIUM:-/usr/bin/chromium}"
if [[ ! -x "$BIN" ]]; then
  [[ $(id -u) -eq 0 ]] || { echo "[browser] need root to apt-get install chromium; install it and rerun" >&2; exit 1; }
  echo "[browser] installing chromium with apt-get" >&2
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
fi
"$BIN" --version >&2
echo "$BIN"
