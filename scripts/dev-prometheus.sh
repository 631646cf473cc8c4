#!/usr/bin/env bash
# Prometheus on loopback for `make run`: scrapes the operator's /metrics every 5 s, evaluates the
# shipped alert rules (deploy/prometheusrule.yaml), keeps its data under target/dev-prometheus/,
# and prints the URL of a ready-made graph: guests by phase, guest start latency, probe duration.
#   scripts/dev-prometheus.sh start [--stop-with PID]   (PID: stop Prometheus when PID exits)
#   scripts/dev-prometheus.sh stop | url
# Does nothing (and says so) when Debian's prometheus package is not installed.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR="$PWD/target/dev-prometheus"
PORT="${PROM_PORT:-9090}"
TARGET="${METRICS_TARGET:-127.0.0.1:8080}"
BIN="${PROMETHEUS:-prometheus}"

urlencode() {
  local s="$1" out="" c i
  for ((i = 0; i < ${#s}; i++)); do
    c="${s:i:1}"
    case "$c" in
      [a-zA-Z0-9._~-]) out+="$c" ;;
      *) out+="$(printf '%%%02X' "'$c")" ;;
    esac
  done
  printf '%s' "$out"
}

url() {
  [ -n "${PROM_PORT:-}" ] || [ ! -f "$DIR/port" ] || PORT="$(cat "$DIR/port")"
  local exprs=(
    'sum by (phase) (kvmop_guests)'
    'histogram_quantile(0.95, sum by (le) (rate(kvmop_guest_start_seconds_bucket[5m])))'
    'histogram_quantile(0.95, sum by (le, host) (rate(kvmop_probe_seconds_bucket[1m])))'
  )
  local q="" i
  for i in "${!exprs[@]}"; do
    q+="${q:+&}g$i.expr=$(urlencode "${exprs[$i]}")&g$i.tab=0&g$i.range_input=15m"
  done
  # Debian's package has only the classic UI (/graph redirects there, dropping the query)
  local path=/graph
  if [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/classic/graph")" = 200 ]; then
    path=/classic/graph
  fi
  echo "http://127.0.0.1:$PORT$path?$q"
}

stop() {
  if [ -f "$DIR/prometheus.pid" ] && kill -0 "$(cat "$DIR/prometheus.pid")" 2>/dev/null; then
    kill "$(cat "$DIR/prometheus.pid")"
  fi
  rm -f "$DIR/prometheus.pid"
}

config() {
  mkdir -p "$DIR"
  # The PrometheusRule's spec is a rule file (groups:) one level down.
  sed -n '/^spec:/,$p' deploy/prometheusrule.yaml | tail -n +2 | sed 's/^  //' >"$DIR/rules.yaml"
  cat >"$DIR/prometheus.yml" <<CFG
global: {scrape_interval: 5s, evaluation_interval: 5s}
rule_files: ["$DIR/rules.yaml"]
scrape_configs:
  - job_name: kvm-operator
    honor_labels: true
    static_configs: [{targets: ["$TARGET"]}]
CFG
}

ready() {
  local i
  for i in $(seq 100); do
    curl -sf "http://127.0.0.1:$PORT/-/ready" >/dev/null 2>&1 && return 0
    kill -0 "$(cat "$DIR/prometheus.pid")" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start() {
  if ! command -v "$BIN" >/dev/null; then
    echo "dev-prometheus: no prometheus (Debian package prometheus); no graphs this time"
    return 0
  fi
  stop
  # The package's own service may hold 9090 (systemd machines): take the next free port then.
  while listening "$PORT" && [ "$PORT" -lt 9099 ]; do PORT=$((PORT + 1)); done
  mkdir -p "$DIR"
  echo "$PORT" >"$DIR/port"
  config
  setsid "$BIN" --config.file="$DIR/prometheus.yml" --storage.tsdb.path="$DIR/data" \
    --storage.tsdb.retention.time=1d --web.listen-address="127.0.0.1:$PORT" \
    >"$DIR/prometheus.log" 2>&1 </dev/null &
  echo $! >"$DIR/prometheus.pid"
  if ! ready; then
    echo "dev-prometheus: prometheus did not start on 127.0.0.1:$PORT (see $DIR/prometheus.log); no graphs this time"
    stop
    return 0
  fi
  if [ -n "${1:-}" ]; then
    # tail --pid waits for the process to end; then Prometheus goes too (Ctrl-C of make run)
    # shellcheck disable=SC2016 # $1 and $2 are the inner shell's arguments
    setsid bash -c 'tail --pid="$1" -f /dev/null; "$2" stop' _ "$1" "$0" >/dev/null 2>&1 </dev/null &
  fi
  echo "dev-prometheus: scraping $TARGET; alerts at http://127.0.0.1:$PORT/alerts; graphs:"
  echo "  $(url)"
}

case "${1:-start}" in
  start)
    if [ "${2:-}" = --stop-with ]; then start "${3:?--stop-with needs a pid}"; else start; fi
    ;;
  stop) stop ;;
  url) url ;;
  *) echo "usage: $0 start [--stop-with PID] | stop | url" >&2; exit 2 ;;
esac
