#!/usr/bin/env bash
# Latency of a FUSE request through the built-in VMM's virtio-fs device (mmio transport, virtiofsd through
# vhost-user, call eventfd relayed to the interrupt), with the guest driver played in-process, against a peer in the
# same run: the same requests straight through a vhost-user session to its own virtiofsd, without the relay.
# Prints medians (microseconds per request) and the ratio. Needs /usr/lib/qemu/virtiofsd and the kata-hypervisor-kvm
# test classes (compiled here, offline).
# Usage: virtiofs-rtt.sh [--requests N] [--runs N] [--json]
set -euo pipefail
usage() { sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; }
for a in "$@"; do case "$a" in -h|--help) usage; exit 0 ;; esac; done
# shellcheck source=lib/kvm-test-main.sh
. "$(dirname "$0")/lib/kvm-test-main.sh"
run_kvm_test_main io.katacontainers.hypervisor.kvm.devices.virtio.fs.VirtioFsRoundTripBenchmark "$@"
