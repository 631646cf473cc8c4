# kvm-operator: `make run` (embedded default) and `make test` (every tier) are the two commands.
SHELL := /bin/bash
MVN ?= mvn -B
JAR := target/kvm-operator.jar
PACKAGES := openssh-server qemu-system-x86 qemu-utils dnsmasq-base busybox-static prometheus shellcheck curl
JAVA_OPTS ?= -XX:+UseSerialGC -Xss512k -XX:MaxRAMPercentage=50

.PHONY: run test deps real-api package crds dev-host stop-dev-host format clean bench image image-deps install-plugin bench-peer soak

## run: build, start the loopback dev host and the operator on the embedded API with examples/local/
run: deps package dev-host
	scripts/dev-prometheus.sh start --stop-with $$PPID
	java $(JAVA_OPTS) -jar $(JAR) local --metrics-port 8080 examples/local/

## test: install missing packages (when root), then unit, integration and end-to-end tiers;
## as root also the image tier (ImageE2E: builds and runs the image with podman or docker); the
## real-API tier (RealApiE2E) is required whenever the real API server is built
IMAGE_PROFILE := $(shell [ "$$(id -u)" = 0 ] && echo ,image)
test: deps real-api $(if $(IMAGE_PROFILE),image-deps)
	$(MVN) verify -Pe2e$(IMAGE_PROFILE) \
	  $$(scripts/real-api.sh bindir >/dev/null 2>&1 && echo -Dreal.api.required=true)

## install-plugin: `kubectl kvm reset|restart|reimage|console|logs NAME` (scripts/kubectl-kvm) on
## PATH with the jar beside it; PLUGIN_PREFIX is /usr/local as root, ~/.local otherwise
PLUGIN_PREFIX ?= $(if $(filter 0,$(shell id -u)),/usr/local,$(HOME)/.local)
install-plugin: package
	scripts/install-plugin.sh $(PLUGIN_PREFIX)

## image: the operator image from the Dockerfile, tagged as deploy/ names it (scripts/image.sh)
image: image-deps
	scripts/image.sh build

## image-deps: podman and what its registry-less build needs, unless a docker engine answers
IMAGE_PACKAGES := podman buildah runc debootstrap
image-deps:
	@if ! docker info >/dev/null 2>&1; then \
	  missing=""; for p in $(IMAGE_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	  if [ -n "$$missing" ]; then \
	    if [ "$$(id -u)" = 0 ]; then echo "installing:$$missing"; \
	      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	    else echo "missing Debian packages:$$missing (run as root or install them)"; exit 1; fi; \
	  fi; \
	fi

## real-api: build the real API server (apiextensions-apiserver + etcd) once per machine, as root
## (~6 min, ~5 GB scratch, cached in ~/.cache/kvmop); without root the real-API tier is skipped
real-api:
	@if scripts/real-api.sh bindir >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ]; then scripts/real-api.sh build; \
	else echo "real-api: not built and not root: the real-API tier will be skipped"; fi

## deps: the Debian packages the tests and the dev host need, only when missing; needs root
## (prometheus provides promtool, which DeployManifestsTest runs on deploy/prometheusrule.yaml;
## shellcheck lints the host-side scripts in HostScriptsLintTest; dnsmasq-base serves the guests'
## fixed DHCP leases, busybox-static's udhcpc asks for one in the network tests)
deps:
	@missing=""; \
	for p in $(PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	command -v kubectl >/dev/null 2>&1 || missing="$$missing kubernetes-client"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else echo "missing Debian packages:$$missing (run as root or install them)"; exit 1; fi; \
	fi

package:
	$(MVN) -q package -DskipTests

## bench: the benchmark program (issue 5), run on an idle machine; prints one table and appends it
## to docs/benchmarks.md. Smaller runs: make bench BENCH_ARGS="--scenarios B1,B4 --repeat 1"
BENCH_ARGS ?= --scenarios B1,B2,B3,B4,B5,B6 --repeat 3
bench: deps package
	$(MVN) -q dependency:build-classpath -Dmdep.outputFile=target/bench.classpath
	java -cp target/test-classes:target/classes:$$(cat target/bench.classpath) \
	  -Dbench.command='make bench BENCH_ARGS="$(BENCH_ARGS)"' \
	  dev.kvmop.bench.Bench $(BENCH_ARGS)

## soak: SOAK_MINUTES (default 30) of random guest creates, deletes, resets, restarts, sshd kills,
## host-key changes and operator restarts against 2 loopback hosts; not in make test nor CI. Ends
## with: soak: N operations, D duplicates, L leaks, A addresses held twice, max RSS M MB
SOAK_MINUTES ?= 30
soak: deps package
	$(MVN) -q dependency:build-classpath -Dmdep.outputFile=target/bench.classpath
	SOAK_MINUTES=$(SOAK_MINUTES) java -cp target/test-classes:target/classes:$$(cat target/bench.classpath) \
	  dev.kvmop.soak.Soak

## bench-peer: kvm-operator and libvirt side by side (issue 18), as root: installs libvirt's Debian
## packages when missing, starts libvirtd and virtlogd unless running and stops what it started;
## prints one line per figure and appends a table to docs/benchmarks.md.
## Smaller runs: make bench-peer PEER_ARGS="--scenarios L1,L4 --repeat 1"; only B7 (create -> the
## guest answers HTTP): make bench-peer PEER_ARGS="--scenarios B7"
PEER_PACKAGES := libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients
PEER_ARGS ?=
bench-peer: deps package
	@missing=""; \
	for p in $(PEER_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    -o DPkg::Lock::Timeout=300 --no-install-recommends $$missing; \
	fi
	$(MVN) -q dependency:build-classpath -Dmdep.outputFile=target/bench.classpath
	java -cp target/test-classes:target/classes:$$(cat target/bench.classpath) \
	  -Dbench.command='make bench-peer PEER_ARGS="$(PEER_ARGS)"' \
	  dev.kvmop.bench.peer.PeerBench $(PEER_ARGS)

## crds: regenerate crds/ from the api/ classes (commit the result)
crds:
	$(MVN) -q process-classes
	cp target/generated-crds/*.yml crds/

dev-host:
	scripts/dev-host.sh start

stop-dev-host:
	scripts/dev-host.sh stop

format:
	$(MVN) -q spotless:apply

clean: stop-dev-host
	$(MVN) -q clean
