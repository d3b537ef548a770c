# Kata Containers in Java. `make help` lists the targets.
SHELL := /bin/bash
PREFIX ?= /opt/kata
JAVA_HOME := $(shell packaging/scripts/find-jdk.sh)
export JAVA_HOME
COMMIT := $(shell git rev-parse --short HEAD 2>/dev/null)
MVN := mvn -B -ntp $(if $(COMMIT),-Dkata.commit=$(COMMIT))

.PHONY: help deps build demo test soak install clean bench bench-check bench-baseline bench-results

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 12

deps: ## install the Debian packages the build and tests need (only those missing)
	@test -n "$(JAVA_HOME)" || { packaging/scripts/find-jdk.sh; exit 1; }
	@packaging/scripts/install-deps.sh

# The first build also compiles the guest kernel (about 8 minutes on 2 cores; cached in /var/cache/kata-java), so
# that every test, including the QEMU driver's guest boots that run before packaging, finds it, and the level-1
# kernel of the nested KVM harness, which only the tests boot.
build: deps ## compile everything and lay out the installable tree under build/ (host tools, guest kernel, initrd)
	$(MVN) install -DskipTests

# The same tree without what only the tests need (the nested harness kernel): a new user's first run builds one
# kernel, not two.
demo: deps ## the quick start's main job: build what a container needs, then run one in a VM
	$(MVN) install -DskipTests -Dkata.nestedKernel=false
	build/bin/kata-runtime --version
	build/bin/kata-runtime check || echo ">> no hardware virtualization here: QEMU runs the VM under TCG (slower)"
	packaging/scripts/demo.sh

# The closing lines of `test` list the time of every test class (packaging/scripts/test-times.sh), so the suite's
# budget (30 minutes on 2 cores, kernel builds excluded) stays visible; long loops are parameters with small defaults
# (see `make soak`).
test: build ## run the whole test suite (unit tests, then the built tree end to end), then where the time went
	@start=$$(date +%s); rc=0; rm -rf */target/surefire-reports; $(MVN) install || rc=$$?; \
	  packaging/scripts/test-times.sh --wall $$(( $$(date +%s) - start )) || true; exit $$rc

soak: build ## the end-to-end loops at soak length: ITERATIONS (default 50) pods and run cycles
	packaging/scripts/soak.sh --iterations $(or $(ITERATIONS),50)

# The regression suite: JMH benchmarks against peers in the same run, ratios in build/bench/ (~7 min on 2 cores).
bench: build ## run the performance regression suite; JMH JSON and the ratios ours/peer go to build/bench/
	benchmarks/scripts/bench.sh run

bench-check: ## hold the last `make bench` to benchmarks/baselines/<machine-class>.json; fails naming a regressed metric
	benchmarks/scripts/bench.sh check

bench-baseline: ## record the last `make bench` as this machine class's baseline (bounds from its spread)
	benchmarks/scripts/bench.sh baseline

bench-results: ## regenerate the generated section of benchmarks/RESULTS.md from the last `make bench`
	benchmarks/scripts/bench.sh results

install: build ## copy build/ to PREFIX (default /opt/kata) with configurations pointing there
	packaging/scripts/install.sh build $(PREFIX)

clean: ## remove build outputs
	$(MVN) -q clean
	rm -rf build
