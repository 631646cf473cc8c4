#!/usr/bin/env bash
# A real Kubernetes API server for the real-API test tier: k8s.io/apiextensions-apiserver (Kubernetes
# 1.36 code: structural schemas, defaulting, pruning, CEL rules, server-side apply, status
# subresource) and etcd, built from pinned Debian sid packages in a throwaway chroot and cached
# outside the checkout, so one machine builds it once (~6 min, ~5 GB scratch, ~100 MB kept).
#   scripts/real-api.sh build            build into the cache unless it is there (needs root)
#   scripts/real-api.sh bindir           print the cache directory (exit 1 when not built)
#   scripts/real-api.sh start RUNDIR [PORT]   etcd + server on 127.0.0.1, writes RUNDIR/kubeconfig
#   scripts/real-api.sh stop RUNDIR
set -euo pipefail

# Pinned: the cache key is these versions; sid moves, so change them together and rebuild.
APIEXT_VERSION=0.36.4-1 # golang-k8s-apiextensions-apiserver-dev (Kubernetes 1.36)
GOLANG_VERSION=2:1.27~1 # golang-go
ETCD_VERSION=3.5.30-2   # etcd-server
MIRROR="${REAL_API_MIRROR:-http://deb.debian.org/debian}"
CACHE_ROOT="${XDG_CACHE_HOME:-$HOME/.cache}/kvmop"
BIN="$CACHE_ROOT/apiext-${APIEXT_VERSION}-etcd-${ETCD_VERSION}-go-${GOLANG_VERSION#*:}"
SCRATCH="${REAL_API_SCRATCH:-$CACHE_ROOT/apiext-scratch}"

step() {
  STEP="$1"
  echo "real-api build: $STEP" >&2
}

build_failed() {
  echo "real-api build FAILED at step: $STEP" >&2
  echo "  what to do: $1" >&2
  echo "  scratch kept in $SCRATCH (delete it to start over: rm -rf '$SCRATCH')" >&2
}

unmount_proc() { umount "$SCRATCH/sid/proc" 2>/dev/null || true; }

install_pinned() {
  DEBIAN_FRONTEND=noninteractive chroot "$1" apt-get install -y -qq --no-install-recommends \
    "golang-go=$GOLANG_VERSION" "golang-k8s-apiextensions-apiserver-dev=$APIEXT_VERSION" \
    "etcd-server=$ETCD_VERSION" >/dev/null
}

install_same_minor() {
  echo "real-api build: a pinned version is no longer in $MIRROR; using sid's 1.36 / etcd 3.5" >&2
  DEBIAN_FRONTEND=noninteractive chroot "$1" apt-get install -y -qq --no-install-recommends \
    golang-go golang-k8s-apiextensions-apiserver-dev etcd-server >/dev/null
  chroot "$1" dpkg-query -W golang-k8s-apiextensions-apiserver-dev etcd-server golang-go |
    tee "$1/root/VERSIONS" >&2
  grep -qP '^golang-k8s-apiextensions-apiserver-dev\t0\.36\.' "$1/root/VERSIONS" &&
    grep -qP '^etcd-server\t3\.5\.' "$1/root/VERSIONS"
}

build() {
  if [ -x "$BIN/apiextensions-apiserver" ] && [ -x "$BIN/etcd" ]; then return 0; fi
  [ "$(id -u)" = 0 ] || {
    echo "real-api build needs root (debootstrap, chroot)" >&2
    exit 1
  }
  local started=$SECONDS root="$SCRATCH/sid"
  trap 'build_failed "read the output above; network or mirror problems: retry, or set REAL_API_MIRROR"; unmount_proc' ERR
  trap unmount_proc EXIT
  mkdir -p "$SCRATCH"
  step "install debootstrap (and curl, openssl for start) on this machine"
  local tool missing=""
  for tool in debootstrap curl openssl; do command -v "$tool" >/dev/null || missing="$missing $tool"; done
  # shellcheck disable=SC2086 # one word per package
  [ -z "$missing" ] || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
  step "debootstrap a Debian sid chroot from $MIRROR into $root"
  trap 'build_failed "see $SCRATCH/debootstrap.log (and $root/debootstrap/debootstrap.log); network or mirror problems: retry, or set REAL_API_MIRROR"; unmount_proc' ERR
  [ -x "$root/usr/bin/apt-get" ] || debootstrap --variant=minbase sid "$root" "$MIRROR" >"$SCRATCH/debootstrap.log"
  # the mirror's sid Release file can be past its Valid-Until date
  echo 'Acquire::Check-Valid-Until "false";' >"$root/etc/apt/apt.conf.d/99no-valid-until"
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  # packages must not start services (etcd-server has one) inside the chroot
  printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d" && chmod +x "$root/usr/sbin/policy-rc.d"
  mountpoint -q "$root/proc" || mount -t proc proc "$root/proc"
  step "apt-get install the pinned packages in the chroot"
  trap 'build_failed "a pinned version may have left sid: run apt-cache policy in the chroot, update the versions at the top of this script"; unmount_proc' ERR
  chroot "$root" apt-get update -qq
  # sid moves on: when a pinned version has left it, take what sid has of the same Kubernetes
  # minor (1.36) and etcd 3.5, and say so (the versions built are kept in $BIN/VERSIONS).
  install_pinned "$root" || install_same_minor "$root"
  step "enable /apis discovery in an overlay copy of the sources"
  trap 'build_failed "the packaged source changed: the EnableDiscovery line in pkg/apiserver/apiserver.go moved"; unmount_proc' ERR
  # standalone mode hard-codes discovery off (kube-apiserver's aggregator serves /apis); kubectl
  # and fabric8 need /apis, so an overlay copy switches it on.
  local overlay="$root/root/overlay/src/k8s.io"
  rm -rf "$overlay" && mkdir -p "$overlay"
  cp -a "$root/usr/share/gocode/src/k8s.io/apiextensions-apiserver" "$overlay/"
  sed -i 's/^\tc.GenericConfig.EnableDiscovery = false/\tc.GenericConfig.EnableDiscovery = true/' \
    "$overlay/apiextensions-apiserver/pkg/apiserver/apiserver.go"
  grep -q 'EnableDiscovery = true' "$overlay/apiextensions-apiserver/pkg/apiserver/apiserver.go"
  step "go build k8s.io/apiextensions-apiserver (GOPATH mode, several minutes)"
  trap 'build_failed "the Go build failed (see the compiler output above); check free disk space (~5 GB) and the pinned versions"; unmount_proc' ERR
  chroot "$root" env GO111MODULE=off GOPATH=/root/overlay:/usr/share/gocode GOCACHE=/root/.cache/go-build \
    CGO_ENABLED=0 GOFLAGS=-trimpath go build -ldflags '-s -w' -o /root/apiextensions-apiserver \
    k8s.io/apiextensions-apiserver
  step "copy the binaries into $BIN and remove the scratch"
  mkdir -p "$BIN.tmp"
  cp "$root/root/apiextensions-apiserver" "$root/usr/bin/etcd" "$BIN.tmp/"
  chroot "$root" dpkg-query -W golang-k8s-apiextensions-apiserver-dev etcd-server golang-go \
    >"$BIN.tmp/VERSIONS"
  "$BIN.tmp/etcd" --version | head -1 >&2
  unmount_proc
  rm -rf "$BIN" && mv "$BIN.tmp" "$BIN"
  trap - ERR EXIT
  rm -rf --one-file-system "$SCRATCH"
  echo "real-api build: done in $((SECONDS - started)) s: $BIN" >&2
}

bindir() {
  [ -x "$BIN/apiextensions-apiserver" ] || {
    echo "not built: scripts/real-api.sh build" >&2
    exit 1
  }
  echo "$BIN"
}

wait_for() { # CMD... until it succeeds, at most 30 s
  local _
  for _ in $(seq 150); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  return 1
}

client_certificate() {
  [ -f pki/admin.crt ] && return 0
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj /CN=kvmop-test-ca \
    -keyout pki/ca.key -out pki/ca.crt 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/O=system:masters/CN=admin" \
    -keyout pki/admin.key -out pki/admin.csr 2>/dev/null
  openssl x509 -req -in pki/admin.csr -CA pki/ca.crt -CAkey pki/ca.key -CAcreateserial \
    -days 3650 -out pki/admin.crt 2>/dev/null
  # the same key pair as PKCS#12, which a JVM loads without PEM parsing (password: kvmop)
  openssl pkcs12 -export -in pki/admin.crt -inkey pki/admin.key -passout pass:kvmop \
    -out pki/admin.p12
}

start() {
  local run="${1:?RUNDIR}" port="${2:-16443}" bin
  bin="$(bindir)"
  mkdir -p "$run/pki" && run="$(cd "$run" && pwd)" && cd "$run"
  client_certificate
  # the server insists on delegated authn/authz kubeconfigs; this one is never reached because
  # lookups are skipped and every client certificate is in system:masters
  printf '%s\n' 'apiVersion: v1' 'kind: Config' \
    'clusters: [{name: x, cluster: {server: "http://127.0.0.1:1"}}]' \
    'contexts: [{name: x, context: {cluster: x, user: x}}]' 'current-context: x' \
    'users: [{name: x, user: {username: x, password: x}}]' >unused-kubeconfig
  local etcd_port=$((port + 7000)) peer_port=$((port + 7001))
  "$bin/etcd" --data-dir "$run/etcd" --listen-client-urls "http://127.0.0.1:$etcd_port" \
    --advertise-client-urls "http://127.0.0.1:$etcd_port" --listen-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-cluster "default=http://127.0.0.1:$peer_port" >etcd.log 2>&1 &
  echo $! >etcd.pid
  wait_for curl -sf "http://127.0.0.1:$etcd_port/health" || {
    echo "etcd did not start: $run/etcd.log" >&2
    exit 1
  }
  "$bin/apiextensions-apiserver" --etcd-servers "http://127.0.0.1:$etcd_port" \
    --secure-port "$port" --bind-address 127.0.0.1 --cert-dir "$run/serving" \
    --client-ca-file "$run/pki/ca.crt" --authentication-skip-lookup \
    --authentication-kubeconfig unused-kubeconfig --authorization-kubeconfig unused-kubeconfig \
    --kubeconfig unused-kubeconfig \
    --disable-admission-plugins NamespaceLifecycle,MutatingAdmissionWebhook,ValidatingAdmissionWebhook,ValidatingAdmissionPolicy,MutatingAdmissionPolicy \
    >apiext.log 2>&1 &
  echo $! >apiext.pid
  wait_for curl -sk -o /dev/null "https://127.0.0.1:$port/healthz" || {
    echo "apiextensions-apiserver did not start: $run/apiext.log" >&2
    exit 1
  }
  cat >kubeconfig <<KC
apiVersion: v1
kind: Config
clusters: [{name: real-api, cluster: {server: "https://127.0.0.1:$port", insecure-skip-tls-verify: true}}]
users: [{name: admin, user: {client-certificate: $run/pki/admin.crt, client-key: $run/pki/admin.key}}]
contexts: [{name: real-api, context: {cluster: real-api, user: admin, namespace: default}}]
current-context: real-api
KC
  echo "real-api up: KUBECONFIG=$run/kubeconfig"
}

stop() {
  local run="${1:?RUNDIR}" f pid
  for f in "$run/apiext.pid" "$run/etcd.pid"; do
    [ -f "$f" ] || continue
    pid="$(cat "$f")"
    kill "$pid" 2>/dev/null || true
    wait_for_exit "$pid"
    rm -f "$f"
  done
}

wait_for_exit() { # PID: up to 10 s, then SIGKILL
  local _
  for _ in $(seq 50); do
    # gone, or a zombie where PID 1 does not reap
    [ -r "/proc/$1/stat" ] && [ "$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null)" != Z ] || return 0
    sleep 0.2
  done
  kill -9 "$1" 2>/dev/null || true
}

case "${1:-}" in
  build) build ;;
  bindir) bindir ;;
  start) start "${@:2}" ;;
  stop) stop "${@:2}" ;;
  *)
    echo "usage: $0 build|bindir|start RUNDIR [PORT]|stop RUNDIR" >&2
    exit 2
    ;;
esac
