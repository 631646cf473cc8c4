#!/usr/bin/env bash
# The operator image, built from the Dockerfile with docker when an engine answers, else with
# Debian's podman (apt-get install podman buildah runc debootstrap).
#   scripts/image.sh build [TAG]   build; TAG defaults to the name deploy/ uses (pom version)
#   scripts/image.sh run ARGS...   `<engine> run ARGS...` with the flags this engine needs here
#   scripts/image.sh tag           print the default tag
#   scripts/image.sh engine        print docker or podman
#
# Without a registry (podman only): the Dockerfile's FROM images are stand-ins made once with
# debootstrap (Debian bookworm with Debian's OpenJDK 17; Maven from Maven Central) and kept in
# podman's image store, so later builds reuse them. KVMOP_PULL_BASES=1 pulls the upstream images
# instead. The stand-ins are labelled dev.kvmop.stand-in=<recipe version>.
set -euo pipefail
cd "$(dirname "$0")/.."

REPOSITORY="${KVMOP_IMAGE_REPOSITORY:-ghcr.io/kvmop/kvm-operator}"
JRE_BASE=docker.io/library/eclipse-temurin:17-jre
BUILD_BASE=docker.io/library/maven:3.9-eclipse-temurin-17
MAVEN_VERSION=3.9.16
STAND_IN=1 # bump when the stand-in recipe changes, so old stand-ins are rebuilt
SUITE=bookworm
MIRROR="${MIRROR:-$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)}"
MIRROR="${MIRROR:-http://deb.debian.org/debian}"
SCRATCH="${KVMOP_IMAGE_SCRATCH:-/var/tmp/kvmop-image-bases}"

version() {
  # the project's own <version>: the only one at the top level of pom.xml (two-space indent)
  sed -n 's:^  <version>\(.*\)</version>.*:\1:p' pom.xml | head -1
}

default_tag() { echo "$REPOSITORY:$(version)"; }

engine() {
  if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
    echo docker
  elif command -v podman >/dev/null 2>&1; then
    echo podman
  else
    echo "image: neither a docker engine nor podman (Debian: apt-get install podman buildah runc debootstrap)" >&2
    return 1
  fi
}

# Containers get this shell's hard limits (nproc at most pid_max): podman's defaults are higher
# than a process without CAP_SYS_RESOURCE may set, and some sandboxes refuse an nproc limit above
# pid_max even below the hard limit (measured: 96365 refused, 32768 = pid_max accepted).
ulimits() {
  local n p max
  n="$(ulimit -Hn)"
  p="$(ulimit -Hu)"
  max="$(cat /proc/sys/kernel/pid_max 2>/dev/null || echo unlimited)"
  if [ "$p" = unlimited ] || { [ "$max" != unlimited ] && [ "$p" -gt "$max" ]; }; then p="$max"; fi
  [ "$n" = unlimited ] || echo "--ulimit=nofile=$n:$n"
  [ "$p" = unlimited ] || echo "--ulimit=nproc=$p:$p"
}

# An upstream image (no stand-in label) or a stand-in of the current recipe.
base_usable() {
  local label
  podman image exists "$1" || return 1
  label="$(podman image inspect --format '{{index .Labels "dev.kvmop.stand-in"}}' "$1")"
  [ -z "$label" ] || [ "$label" = "<no value>" ] || [ "$label" = "$STAND_IN" ]
}

chroot_install() {
  local root="$1"
  shift
  mount -t proc proc "$root/proc"
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  DEBIAN_FRONTEND=noninteractive chroot "$root" sh -c \
    "apt-get update -qq && apt-get install -y -qq --no-install-recommends $* >/dev/null && apt-get clean && rm -rf /var/lib/apt/lists/*" ||
    { umount "$root/proc"; return 1; }
  umount "$root/proc"
}

import() {
  local root="$1" name="$2"
  shift 2
  local changes=(--change "LABEL dev.kvmop.stand-in=$STAND_IN" --change "ENV JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64")
  for c in "$@"; do changes+=(--change "$c"); done
  tar -C "$root" -c . | podman import --quiet "${changes[@]}" - "$name" >/dev/null
}

make_stand_ins() {
  command -v debootstrap >/dev/null || { echo "image: debootstrap missing (apt-get install debootstrap)" >&2; exit 1; }
  echo "image: making stand-ins for $JRE_BASE and $BUILD_BASE with debootstrap ($SUITE, $MIRROR)"
  local began=$SECONDS root="$SCRATCH/root"
  rm -rf "$SCRATCH"
  mkdir -p "$SCRATCH"
  debootstrap --variant=minbase "$SUITE" "$root" "$MIRROR" >"$SCRATCH/debootstrap.log"
  # the JRE image first, then the JDK (a superset) and Maven on the same tree for the build image
  chroot_install "$root" openjdk-17-jre-headless ca-certificates
  import "$root" "$JRE_BASE"
  chroot_install "$root" openjdk-17-jdk-headless
  (cd "$SCRATCH" && mvn -B -q dependency:get -Dtransitive=false -Dmaven.repo.local="$SCRATCH/m2" \
    -Dartifact="org.apache.maven:apache-maven:$MAVEN_VERSION:tar.gz:bin") >"$SCRATCH/maven.log" 2>&1 ||
    { cat "$SCRATCH/maven.log" >&2; exit 1; }
  mkdir -p "$root/usr/share/maven"
  tar -C "$root/usr/share/maven" --strip-components=1 -xzf \
    "$SCRATCH/m2/org/apache/maven/apache-maven/$MAVEN_VERSION/apache-maven-$MAVEN_VERSION-bin.tar.gz"
  ln -sf /usr/share/maven/bin/mvn "$root/usr/bin/mvn"
  import "$root" "$BUILD_BASE" "ENV MAVEN_HOME=/usr/share/maven"
  rm -rf "$SCRATCH"
  echo "image: stand-ins made in $((SECONDS - began)) s"
}

podman_bases() {
  if [ "${KVMOP_PULL_BASES:-0}" = 1 ]; then
    podman pull -q "$JRE_BASE" >/dev/null
    podman pull -q "$BUILD_BASE" >/dev/null
  elif ! base_usable "$JRE_BASE" || ! base_usable "$BUILD_BASE"; then
    make_stand_ins
  fi
}

# A build that reaches Maven Central through a TLS-inspecting proxy needs this machine's trust
# stores; they are mounted for the build only and are not part of the image.
trust_mounts() {
  [ -f /etc/ssl/certs/java/cacerts ] && echo "--volume=/etc/ssl/certs/java/cacerts:/etc/ssl/certs/java/cacerts:ro"
  [ -f /etc/ssl/certs/ca-certificates.crt ] && echo "--volume=/etc/ssl/certs/ca-certificates.crt:/etc/ssl/certs/ca-certificates.crt:ro"
  return 0
}

# This machine's Maven repository as an overlay (writes stay in the build): the build stage
# resolves what `mvn package` here already downloaded instead of fetching it all again. Volumes
# are not part of the image, and a missing repository just means a download.
maven_cache_mount() {
  [ -d "$HOME/.m2/repository" ] && echo "--volume=$HOME/.m2:/root/.m2:O"
  return 0
}

build() {
  local tag="${1:-$(default_tag)}" e
  e="$(engine)"
  if [ "$e" = docker ]; then
    docker build -t "$tag" .
  else
    # one build at a time per machine: the stand-ins and the layer cache are shared
    exec 9>/var/tmp/kvmop-image.lock
    flock 9
    podman_bases
    # shellcheck disable=SC2046
    podman build --network host --layers $(ulimits) $(trust_mounts) $(maven_cache_mount) -t "$tag" .
  fi
  echo "image: built $tag with $e in $SECONDS s"
}

run() {
  local e
  e="$(engine)"
  if [ "$e" = docker ]; then
    exec docker run "$@"
  fi
  # shellcheck disable=SC2046
  exec podman run $(ulimits) "$@"
}

case "${1:-build}" in
  build) shift || true; build "$@" ;;
  run) shift; run "$@" ;;
  tag) default_tag ;;
  engine) engine ;;
  *) echo "usage: $0 build [TAG] | run ARGS... | tag | engine" >&2; exit 2 ;;
esac
