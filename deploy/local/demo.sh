#!/usr/bin/env bash
# The main job, locally: services (Redis, Kafka, r-nacos, Alertmanager) → allowlist published to Nacos → engine
# simulator with the demo's detection rules → Telegraf-style generator producing into Kafka → the bridge (metrics
# in; alarms polled, stored as events and delivered to a signature-checking demo receiver and to Alertmanager).
# Prints where to look; Ctrl-C stops everything it started (the services keep running: `npm run services -- down`
# stops them).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
cd "$ROOT"
LOGS="$ROOT/.cache/run/demo"
mkdir -p "$LOGS"
SIM_PORT="${AIOPS_SIM_PORT:-18080}"
NACOS_PORT="${AIOPS_NACOS_PORT:-18848}"
RATE="${DEMO_RATE:-2000}"
RECEIVER_PORT=18090   # the webhook URL in deploy/local/bridge.yaml
ALERTMANAGER_PORT="${AIOPS_ALERTMANAGER_PORT:-19193}"
# tsx itself, not `npx tsx`: npm's wrapper does not pass SIGTERM on and would leave the program running.
TSX="$ROOT/node_modules/.bin/tsx"

[[ -d node_modules ]] || npm ci --no-audit --no-fund
bash deploy/local/services.sh up

pids=()
# Stop in reverse order, each one waited for: the bridge finishes its graceful stop while the engine is still up.
cleanup() {
  trap - EXIT INT TERM
  local i
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill "${pids[i]}" 2>/dev/null || true; wait "${pids[i]}" 2>/dev/null || true; done
}
# Ctrl-C / TERM exit through the EXIT trap: a trap that only cleaned up would return into the loop below,
# which would then report the processes it just stopped as crashed.
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "[demo] publishing deploy/local/demo-allowlist.yaml to Nacos as DEFAULT_GROUP/metrics-allowlist.yaml"
curl -sf -X POST "http://127.0.0.1:$NACOS_PORT/nacos/v1/cs/configs" --data-urlencode "dataId=metrics-allowlist.yaml" \
  --data-urlencode "group=DEFAULT_GROUP" --data-urlencode "content@deploy/local/demo-allowlist.yaml" >/dev/null

"$TSX" test/simulator/main.ts --port "$SIM_PORT" --token-ttl 300 >"$LOGS/simulator.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$SIM_PORT/__sim/report" >/dev/null 2>&1 && break; sleep 0.2; done
"$TSX" deploy/local/demo-rules.ts --engine "http://127.0.0.1:$SIM_PORT" | sed 's/^/[demo] engine /'

# The webhook secret is shared by the bridge and the receiver; kept (git-ignored) so a rerun verifies old retries.
SECRET_FILE="$LOGS/webhook-secret"
[[ -s "$SECRET_FILE" ]] || echo "whsec_$(head -c 32 /dev/urandom | base64 -w0)" >"$SECRET_FILE"
export AIOPS__ALARMS__SINKS__WEBHOOK__SECRET="$(cat "$SECRET_FILE")"
DEMO_WEBHOOK_SECRET="$AIOPS__ALARMS__SINKS__WEBHOOK__SECRET" "$TSX" deploy/local/demo-alarm-receiver.ts --port "$RECEIVER_PORT" >"$LOGS/receiver.log" 2>&1 &
pids+=($!)

"$TSX" deploy/local/telegraf-like-generator.ts --topic telegraf --rate "$RATE" >"$LOGS/generator.log" 2>&1 &
pids+=($!)

# The bridge runs compiled, as deployed (`npm start`'s node flags; `npm run build` also builds the console): node gets Ctrl-C itself and stops gracefully
# (flush, commit, leave the group); a wrapper relaying a second signal could cut that stop short.
npm run -s build
AIOPS__ENGINE__AUTH__PASSWORD="${AIOPS__ENGINE__AUTH__PASSWORD:-admin123}" \
  node $(node -p 'require("./package.json").config.nodeFlags') dist/main.js serve --config deploy/local/bridge.yaml >"$LOGS/bridge.log" 2>&1 &
pids+=($!)

cat <<INFO
[demo] console             http://127.0.0.1:8088/console   (sign in with the demo key: demo-admin-key-change-me)
[demo] running. Where to look:
  queue dashboard     http://127.0.0.1:8088/admin/queues   (any user name, password demo-admin-key-change-me)
  bridge status       http://127.0.0.1:8088/api/v1/status
  bridge metrics      http://127.0.0.1:8088/metrics   (aiops_ingest_*, aiops_forward_*, aiops_kafka_consumer_lag)
  engine (simulator)  http://127.0.0.1:$SIM_PORT/__sim/report   (what the engine received)
  allowlist in Nacos  http://127.0.0.1:$((NACOS_PORT + 2000))/   (r-nacos console) — edit it there; the bridge swaps it live
  alarms received     $LOGS/receiver.log   (the demo platform: one verified event per line; new ones also below)
  Alertmanager UI     http://127.0.0.1:$ALERTMANAGER_PORT/#/alerts   (firing alarms; gone once resolved)
  engine's alarms     http://127.0.0.1:$SIM_PORT/__sim/alarms
  logs                $LOGS/{bridge,simulator,generator,receiver}.log
  dead letters        AIOPS__ALARMS__SINKS__WEBHOOK__SECRET=\$(cat $SECRET_FILE) npx tsx src/main.ts dead-letters list --config deploy/local/bridge.yaml
  projections         AIOPS__ALARMS__SINKS__WEBHOOK__SECRET=\$(cat $SECRET_FILE) npx tsx src/main.ts projections status --config deploy/local/bridge.yaml
Alarms: the rule "order latency wobble" fires and recovers about every 45 s; "checkout latency high" after ~4 min.
Ctrl-C stops the demo.
INFO
shown=0
while sleep 5; do
  for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null || { echo "[demo] a process exited; see $LOGS"; tail -n 20 "$LOGS/bridge.log"; exit 1; }; done
  curl -s "http://127.0.0.1:$SIM_PORT/__sim/report" | node -e '
    let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
      try { const r = JSON.parse(s); console.log(`[demo] ${new Date().toISOString()} engine received ${r.pointsReceived} points (${r.distinctPoints} distinct) in ${r.batchesAccepted} batches`); }
      catch { console.log("[demo] simulator not answering yet"); }
    });'
  # The alarm events the demo platform received since the last round.
  total=$(wc -l <"$LOGS/receiver.log")
  if ((total > shown)); then tail -n +$((shown + 1)) "$LOGS/receiver.log" | head -n $((total - shown)) | sed 's/^/[alarm] /'; shown=$total; fi
done
