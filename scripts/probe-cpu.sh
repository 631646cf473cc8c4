#!/usr/bin/env bash
# CPU time of one probe of the host helper, the command every KvmHost runs each probe interval:
#   scripts/probe-cpu.sh HELPER.pl [HELPER.pl ...]
# Starts GUESTS stand-in guests (sleeping perl processes with "-uuid <uuid> -name guest=<n>" in
# their argv, each with a guest directory holding its pid and uuid, as a launch leaves them), then
# for ROUNDS rounds runs PROBES probes of each helper in turn (alternating, so a change of the
# machine's load falls on all of them) and prints user+system CPU ms per probe, per round and the
# median. The stand-ins' "qemu" is the perl binary; the sleeping processes are ended at exit.
set -euo pipefail
GUESTS=${GUESTS:-50}
PROBES=${PROBES:-100}
ROUNDS=${ROUNDS:-5}
[ $# -ge 1 ] || { echo "usage: $0 HELPER.pl [HELPER.pl ...]" >&2; exit 2; }
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
perl=$(readlink -f "$(command -v perl)")
mkdir -p "$work/guests"
for i in $(seq "$GUESTS"); do
  uuid=$(cat /proc/sys/kernel/random/uuid)
  dir="$work/guests/default_g${i}_$uuid"
  mkdir -p "$dir"
  "$perl" -e 'sleep 3600' -- -uuid "$uuid" -name "guest=g$i" &
  pids+=("$!")
  echo "$!" >"$dir/pid"
  echo "$uuid" >"$dir/uuid"
  echo "$perl" >"$dir/qemu"
done
# One probe must report every stand-in as Running, or the figures measure something else.
for helper in "$@"; do
  running=$(perl "$helper" probe "$work" "$perl" | grep -c $'\tRunning\t' || true)
  [ "$running" = "$GUESTS" ] || { echo "$helper: $running of $GUESTS Running" >&2; exit 1; }
done
declare -A all
for r in $(seq "$ROUNDS"); do
  for helper in "$@"; do
    # shellcheck disable=SC2016 # the loop's $1..$4 are the inner bash's arguments
    cpu=$(/usr/bin/time -f '%U %S' bash -c \
      'for _ in $(seq "$1"); do perl "$2" probe "$3" "$4" >/dev/null; done' \
      _ "$PROBES" "$helper" "$work" "$perl" 2>&1 >/dev/null | tail -n 1)
    ms=$(echo "$cpu" | awk -v n="$PROBES" '{printf "%.1f", ($1 + $2) * 1000 / n}')
    all[$helper]="${all[$helper]:-} $ms"
    echo "round $r $helper: $ms ms CPU per probe ($PROBES probes, $GUESTS guests)"
  done
done
for helper in "$@"; do
  # shellcheck disable=SC2086 # the figures are one word each
  median=$(printf '%s\n' ${all[$helper]} | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  echo "median $helper: $median ms CPU per probe (rounds:${all[$helper]}; load $(cut -d' ' -f1-3 /proc/loadavg))"
done
