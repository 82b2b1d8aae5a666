#!/usr/bin/env bash
# Builds Telegraf from source for the peers benchmark only: a custom build with just the Kafka consumer input,
# the influx parser and the discard output, through the Go toolchain and the Go module proxy. Cached under
# $AIOPS_CACHE (default ~/.cache/aiops-bridge); prints the binary's path on stdout. Nothing of it is committed.
set -euo pipefail
VERSION="${TELEGRAF_VERSION:-v1.37.2}"
CACHE="${AIOPS_CACHE:-$HOME/.cache/aiops-bridge}"
DIR="$CACHE/telegraf-$VERSION"
BIN="$DIR/bin/telegraf"
if [[ ! -x "$BIN" ]]; then
  command -v go >/dev/null || { echo "telegraf-build: the Go toolchain is needed (go not found)" >&2; exit 1; }
  echo "[telegraf] building $VERSION (custom: inputs.kafka_consumer, parsers.influx, outputs.discard) into $DIR" >&2
  mkdir -p "$DIR/bin"
  GOBIN="$DIR/bin.tmp" GOFLAGS=-mod=mod GOPATH="${GOPATH:-$CACHE/go}" GOMODCACHE="${GOMODCACHE:-$CACHE/go/pkg/mod}" \
    go install -tags "custom,inputs.kafka_consumer,outputs.discard,parsers.influx" \
    "github.com/influxdata/telegraf/cmd/telegraf@$VERSION" >&2
  mv "$DIR/bin.tmp/telegraf" "$BIN" && rmdir "$DIR/bin.tmp"
fi
echo "$BIN"
