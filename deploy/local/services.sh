#!/usr/bin/env bash
# Local services for development, tests and benchmarks, all on 127.0.0.1, no docker:
#   redis  — Debian's redis-server (installed with apt-get on first use), appendonly on
#   kafka  — Apache Kafka 4.x single node in KRaft mode, jars resolved by Maven from Maven Central
#   nacos  — r-nacos (Nacos-protocol config server in Rust), built with `cargo install rnacos --locked`
#   alertmanager — Debian's prometheus-alertmanager (apt-get on first use), no cluster, a null receiver
#   prometheus — Debian's prometheus (apt-get on first use) as the second analysis engine: remote-write receiver
#                and lifecycle API on, scrapes nothing, loads the rule files the bridge writes into
#                $AIOPS_RUN_DIR/prometheus-rules/ (AIOPS_PROMETHEUS_ALERTMANAGER=1: its own alerts to Alertmanager)
# Usage: deploy/local/services.sh up|down|status|restart [redis|kafka|nacos|alertmanager|prometheus ...]   (default: all)
# Idempotent: `up` leaves a healthy running service alone. Everything downloaded or built goes to
# $AIOPS_CACHE (default ~/.cache/aiops-bridge, outside the repo); data, logs and pid files to $AIOPS_RUN_DIR.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
CACHE="${AIOPS_CACHE:-$HOME/.cache/aiops-bridge}"
RUN="${AIOPS_RUN_DIR:-$ROOT/.cache/run}"
REDIS_PORT="${AIOPS_REDIS_PORT:-16379}"
KAFKA_PORT="${AIOPS_KAFKA_PORT:-19092}"
KAFKA_CONTROLLER_PORT="${AIOPS_KAFKA_CONTROLLER_PORT:-19094}"
NACOS_PORT="${AIOPS_NACOS_PORT:-18848}"
ALERTMANAGER_PORT="${AIOPS_ALERTMANAGER_PORT:-19193}"
PROMETHEUS_PORT="${AIOPS_PROMETHEUS_PORT:-19090}"
KAFKA_VERSION="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$HERE/kafka/pom.xml")"
RNACOS_VERSION="0.8.8"
KAFKA_LIBS="$CACHE/kafka-$KAFKA_VERSION/libs"
RNACOS_BIN="$CACHE/rnacos-$RNACOS_VERSION/bin/rnacos"

log() { printf '[services] %s\n' "$*" >&2; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_port() { # name port seconds
  local i
  for ((i = 0; i < $3 * 5; i++)); do port_open "$2" && return 0; sleep 0.2; done
  log "$1 did not open 127.0.0.1:$2 within $3 s; see $RUN/$1.log"; tail -n 30 "$RUN/$1.log" >&2 || true; return 1
}
pid_alive() { [[ -f "$RUN/$1.pid" ]] && kill -0 "$(cat "$RUN/$1.pid")" 2>/dev/null; }
stop_pid() { # name
  if pid_alive "$1"; then
    local pid; pid="$(cat "$RUN/$1.pid")"; kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$RUN/$1.pid"
}
apt_install() {
  [[ $(id -u) -eq 0 ]] || { log "need root to apt-get install $*; install them and rerun"; exit 1; }
  log "installing $* with apt-get"
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# ---------- prerequisites ----------
# curl: readiness probes (r-nacos) and the demo. Installed with apt-get like Redis.
need_curl() { command -v curl >/dev/null || apt_install curl; }
# Kafka 4 runs on Java 17 or later; an older one fails much later with a class-version error, so say it here.
need_java17() {
  command -v java >/dev/null || { log "Java 17 or later is needed for Kafka (apt-get install openjdk-17-jre-headless)"; exit 1; }
  local v
  v="$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1)"
  [[ -n "$v" && "$v" -ge 17 ]] || { log "Java ${v:-of unknown version} found; Kafka 4 needs Java 17 or later"; exit 1; }
}

# ---------- redis ----------
redis_install() { command -v redis-server >/dev/null || apt_install redis-server; }
redis_up() {
  redis_install
  if redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; then log "redis already up on $REDIS_PORT"; return; fi
  mkdir -p "$RUN/redis"
  redis-server "$HERE/redis.conf" --port "$REDIS_PORT" --dir "$RUN/redis" --pidfile "$RUN/redis.pid" \
    --logfile "$RUN/redis.log" --daemonize yes
  for _ in $(seq 1 50); do redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG && break; sleep 0.2; done
  redis-cli -p "$REDIS_PORT" ping | grep -q PONG || { log "redis failed to start"; tail "$RUN/redis.log"; exit 1; }
  log "redis up on 127.0.0.1:$REDIS_PORT"
}
redis_down() { redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true; rm -f "$RUN/redis.pid"; }
redis_status() { redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; }

# ---------- kafka ----------
kafka_install() {
  [[ -f "$KAFKA_LIBS/kafka_2.13-$KAFKA_VERSION.jar" ]] && return
  command -v mvn >/dev/null || apt_install maven
  log "resolving Kafka $KAFKA_VERSION jars with Maven into $KAFKA_LIBS"
  mvn -q -B -f "$HERE/kafka/pom.xml" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$KAFKA_LIBS.tmp"
  rm -rf "$KAFKA_LIBS" && mv "$KAFKA_LIBS.tmp" "$KAFKA_LIBS"
}
kafka_up() {
  need_java17
  kafka_install
  if port_open "$KAFKA_PORT"; then
    # Ours, or one started by another checkout: fine if it answers as a Kafka broker.
    (cd "$ROOT" && node "$HERE/kafka/wait-ready.mjs" "127.0.0.1:$KAFKA_PORT" 10) \
      || { log "port $KAFKA_PORT is taken by something that is not a Kafka broker"; exit 1; }
    log "kafka already up on $KAFKA_PORT"; return
  fi
  local data="$RUN/kafka-data" conf="$RUN/kafka.properties"
  mkdir -p "$data"
  sed -e "s#@DATA@#$data#g" -e "s#@PORT@#$KAFKA_PORT#g" -e "s#@CPORT@#$KAFKA_CONTROLLER_PORT#g" \
    "$HERE/kafka/server.properties" >"$conf"
  local java=(java -Xms256m -Xmx1g -XX:+UseG1GC -Djava.awt.headless=true
    "-Dlog4j2.configurationFile=$HERE/kafka/log4j2.properties" -cp "$KAFKA_LIBS/*")
  if [[ ! -f "$data/meta.properties" ]]; then
    "${java[@]}" kafka.tools.StorageTool format -t aiopsbridgelocal0001aa -c "$conf" >"$RUN/kafka-format.log" 2>&1 \
      || { log "kafka storage format failed"; cat "$RUN/kafka-format.log" >&2; exit 1; }
  fi
  nohup "${java[@]}" kafka.Kafka "$conf" >"$RUN/kafka.log" 2>&1 &
  echo $! >"$RUN/kafka.pid"
  wait_port kafka "$KAFKA_PORT" 90
  # The port opens before the broker has registered with its controller: ask for metadata until it answers.
  (cd "$ROOT" && node "$HERE/kafka/wait-ready.mjs" "127.0.0.1:$KAFKA_PORT" 90) || { tail -n 30 "$RUN/kafka.log" >&2; exit 1; }
  log "kafka up on 127.0.0.1:$KAFKA_PORT"
}
kafka_down() { stop_pid kafka; }
kafka_status() { pid_alive kafka && port_open "$KAFKA_PORT"; }

# ---------- nacos (r-nacos) ----------
nacos_install() {
  [[ -x "$RNACOS_BIN" ]] && return
  command -v cargo >/dev/null || { log "cargo not found: install Rust (rustup) to build r-nacos"; exit 1; }
  log "building r-nacos $RNACOS_VERSION with cargo (first use only; takes several minutes)"
  cargo install rnacos --version "$RNACOS_VERSION" --locked --root "$CACHE/rnacos-$RNACOS_VERSION" >"$CACHE/rnacos-build.log" 2>&1 \
    || { log "cargo install rnacos failed"; tail -n 30 "$CACHE/rnacos-build.log" >&2; exit 1; }
}
nacos_start_once() {
  mkdir -p "$RUN/nacos-data"
  (cd "$RUN" || exit 1
    RNACOS_SDK_HOST=127.0.0.1 RNACOS_CONSOLE_HOST=127.0.0.1 RNACOS_HTTP_PORT="$NACOS_PORT" \
    RNACOS_GRPC_PORT="$((NACOS_PORT + 1000))" RNACOS_HTTP_CONSOLE_PORT="$((NACOS_PORT + 2000))" \
    RNACOS_RAFT_NODE_ADDR="127.0.0.1:$((NACOS_PORT + 1000))" RNACOS_DATA_DIR="$RUN/nacos-data" \
    RNACOS_ENABLE_OPEN_API_AUTH=false RUST_LOG=warn nohup "$RNACOS_BIN" >"$RUN/nacos.log" 2>&1 &
    echo $! >"$RUN/nacos.pid")
  wait_port nacos "$NACOS_PORT" 60 || return 1
  nacos_probe
}
# Ready means a write can be read back: r-nacos 0.8.8 sometimes answers HTTP and acknowledges publishes on a
# first start while its raft apply thread has died, storing nothing.
nacos_probe() {
  local api="http://127.0.0.1:$NACOS_PORT/nacos/v1/cs/configs" probe="ready-$RANDOM$RANDOM"
  for _ in $(seq 1 50); do
    curl -s -o /dev/null -X POST "$api" --data-urlencode "dataId=__ready__" --data-urlencode "group=DEFAULT_GROUP" \
      --data-urlencode "content=$probe" || true
    [[ "$(curl -s "$api?dataId=__ready__&group=DEFAULT_GROUP" || true)" == "$probe" ]] && return 0
    sleep 0.2
  done
  return 1
}
nacos_up() {
  nacos_install
  if port_open "$NACOS_PORT"; then
    nacos_probe || { log "port $NACOS_PORT is taken by something that does not store Nacos configs"; exit 1; }
    log "nacos already up on $NACOS_PORT"; return
  fi
  local attempt
  for attempt in 1 2 3 4 5; do
    nacos_start_once && { log "nacos up on 127.0.0.1:$NACOS_PORT"; return; }
    log "nacos start $attempt did not store a probe write; restarting it with a fresh data dir"
    stop_pid nacos; rm -rf "$RUN/nacos-data"
  done
  tail -n 30 "$RUN/nacos.log" >&2; exit 1
}
nacos_down() { stop_pid nacos; }
nacos_status() { pid_alive nacos && port_open "$NACOS_PORT"; }

# ---------- alertmanager ----------
# `--cluster.listen-address=` (empty) turns gossip off; without it Alertmanager listens on 0.0.0.0:9094.
alertmanager_install() { command -v prometheus-alertmanager >/dev/null || apt_install prometheus-alertmanager; }
alertmanager_ready() { curl -fs -o /dev/null "http://127.0.0.1:$ALERTMANAGER_PORT/-/ready"; }
alertmanager_up() {
  alertmanager_install
  if port_open "$ALERTMANAGER_PORT"; then
    alertmanager_ready || { log "port $ALERTMANAGER_PORT is taken by something that is not a ready Alertmanager"; exit 1; }
    log "alertmanager already up on $ALERTMANAGER_PORT"; return
  fi
  mkdir -p "$RUN/alertmanager-data"
  nohup prometheus-alertmanager --config.file="$HERE/alertmanager.yml" --storage.path="$RUN/alertmanager-data" \
    --web.listen-address="127.0.0.1:$ALERTMANAGER_PORT" --cluster.listen-address= --log.level=warn \
    >"$RUN/alertmanager.log" 2>&1 &
  echo $! >"$RUN/alertmanager.pid"
  wait_port alertmanager "$ALERTMANAGER_PORT" 30
  for _ in $(seq 1 100); do alertmanager_ready && break; sleep 0.2; done
  alertmanager_ready || { log "alertmanager not ready"; tail -n 30 "$RUN/alertmanager.log" >&2; exit 1; }
  log "alertmanager up on 127.0.0.1:$ALERTMANAGER_PORT"
}
alertmanager_down() { stop_pid alertmanager; }
alertmanager_status() { pid_alive alertmanager && alertmanager_ready; }

# ---------- prometheus ----------
# The bridge writes rule files into $RUN/prometheus-rules (engine.prometheus.rulesDir) and reloads through
# POST /-/reload. A 5 s evaluation interval keeps tests fast; the 1 h out-of-order window lets batches that the
# forward workers push concurrently land even when they are not in time order per series.
prometheus_install() { command -v prometheus >/dev/null || apt_install prometheus; }
prometheus_ready() { curl -fs -o /dev/null "http://127.0.0.1:$PROMETHEUS_PORT/-/ready"; }
prometheus_config() {
  mkdir -p "$RUN/prometheus-rules" "$RUN/prometheus-data"
  cat >"$RUN/prometheus.yml" <<YAML
global:
  scrape_interval: 15s
  evaluation_interval: 5s
rule_files:
  - $RUN/prometheus-rules/*.yml
scrape_configs: []
storage:
  tsdb:
    out_of_order_time_window: 1h
YAML
  # Off by default: the bridge delivers alarms itself (alarm sinks, from its event store), and Prometheus
  # sending its own alerts to the shared Alertmanager would double them and disturb the sink tests.
  if [[ "${AIOPS_PROMETHEUS_ALERTMANAGER:-0}" == 1 ]]; then
    printf "alerting:\n  alertmanagers:\n    - static_configs:\n        - targets: ['127.0.0.1:%s']\n" "$ALERTMANAGER_PORT" >>"$RUN/prometheus.yml"
  fi
}
prometheus_up() {
  prometheus_install
  if port_open "$PROMETHEUS_PORT"; then
    prometheus_ready || { log "port $PROMETHEUS_PORT is taken by something that is not a ready Prometheus"; exit 1; }
    log "prometheus already up on $PROMETHEUS_PORT"; return
  fi
  prometheus_config
  nohup prometheus --config.file="$RUN/prometheus.yml" --storage.tsdb.path="$RUN/prometheus-data" \
    --web.listen-address="127.0.0.1:$PROMETHEUS_PORT" --web.enable-remote-write-receiver --web.enable-lifecycle \
    --storage.tsdb.retention.time=2d --log.level=warn >"$RUN/prometheus.log" 2>&1 &
  echo $! >"$RUN/prometheus.pid"
  wait_port prometheus "$PROMETHEUS_PORT" 30
  for _ in $(seq 1 150); do prometheus_ready && break; sleep 0.2; done
  prometheus_ready || { log "prometheus not ready"; tail -n 30 "$RUN/prometheus.log" >&2; exit 1; }
  log "prometheus up on 127.0.0.1:$PROMETHEUS_PORT (rules from $RUN/prometheus-rules)"
}
prometheus_down() { stop_pid prometheus; }
prometheus_status() { pid_alive prometheus && prometheus_ready; }

cmd="${1:-status}"; shift || true
names=("$@"); [[ ${#names[@]} -gt 0 ]] || names=(redis kafka nacos alertmanager prometheus)
mkdir -p "$RUN" "$CACHE"
case "$cmd" in
  up) need_curl; for n in "${names[@]}"; do "${n}_up"; done ;;
  down) for n in "${names[@]}"; do "${n}_down"; done ;;
  restart) for n in "${names[@]}"; do "${n}_down"; "${n}_up"; done ;;
  install) for n in "${names[@]}"; do "${n}_install"; done ;;
  status)
    rc=0
    for n in "${names[@]}"; do if "${n}_status"; then echo "$n: up"; else echo "$n: down"; rc=1; fi; done
    exit $rc ;;
  *) echo "usage: $0 up|down|status|restart|install [redis|kafka|nacos|alertmanager|prometheus ...]" >&2; exit 2 ;;
esac
