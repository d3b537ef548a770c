#!/usr/bin/env bash
# Throughput of the built-in VMM's virtio-vsock relay (hybrid-vsock unix socket <-> device <-> guest rings), both
# directions, with a guest driver played in-process through guest memory, against a peer in the same run: the same
# bytes through one plain unix socket. Prints medians (MiB/s) and ratios; every transfer is checked byte-exact.
# Needs the kata-hypervisor-kvm test classes (compiled here, offline).
# Usage: vsock-relay.sh [--mib N] [--runs N] [--rx-buffer BYTES] [--json]
#   --mib  MiB per transfer (default 64)   --runs  transfers per direction (default 5)
#   --rx-buffer  guest RX buffer size (default 4096, as Linux posts)   --json  one JSON object
set -euo pipefail
usage() { sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; }
for a in "$@"; do case "$a" in -h|--help) usage; exit 0 ;; esac; done
# shellcheck source=lib/kvm-test-main.sh
. "$(dirname "$0")/lib/kvm-test-main.sh"
run_kvm_test_main io.katacontainers.hypervisor.kvm.devices.virtio.vsock.VsockRelayBenchmark "$@"
