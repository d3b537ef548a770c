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
root=$(cd "$(dirname "$0")/../.." && pwd)
java_home=$("$root/packaging/scripts/find-jdk.sh")
echo ">> compiling kata-hypervisor-kvm and its tests" >&2
JAVA_HOME=$java_home mvn -q -o -f "$root/pom.xml" -pl kata-hypervisor-kvm -am test-compile >&2 \
  || { echo "virtiofs-rtt.sh: the build failed (see above); fix it or run 'mvn -o install -DskipTests' first" >&2; exit 1; }
cp="$root/kata-hypervisor-kvm/target/classes:$root/kata-hypervisor-kvm/target/test-classes"
cp="$cp:$root/kata-native/target/classes:$root/kata-api/target/classes"
exec "$java_home/bin/java" --enable-native-access=ALL-UNNAMED -cp "$cp" \
  io.katacontainers.hypervisor.kvm.devices.virtio.fs.VirtioFsRoundTripBenchmark "$@"
