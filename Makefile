# kvm-operator: `make run` (embedded default) and `make test` (every tier) are the two commands.
SHELL := /bin/bash
MVN ?= mvn -B
JAR := target/kvm-operator.jar
PACKAGES := openssh-server qemu-system-x86 prometheus shellcheck dnsmasq-base busybox-static
JAVA_OPTS ?= -XX:+UseSerialGC -Xss512k -XX:MaxRAMPercentage=50

.PHONY: run test deps package crds dev-host stop-dev-host format clean bench

## run: build, start the loopback dev host and the operator on the embedded API with examples/local/
run: deps package dev-host
	java $(JAVA_OPTS) -jar $(JAR) local --metrics-port 8080 examples/local/

## test: install missing packages (when root), then unit, integration and end-to-end tiers
test: deps
	$(MVN) verify -Pe2e

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
