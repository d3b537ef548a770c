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
root=$(cd "$(dirname "$0")/../.." && pwd)
java_home=$("$root/packaging/scripts/find-jdk.sh")
echo ">> compiling kata-hypervisor-kvm and its tests" >&2
JAVA_HOME=$java_home mvn -q -o -f "$root/pom.xml" -pl kata-hypervisor-kvm -am test-compile >&2 \
  || { echo "vsock-relay.sh: the build failed (see above); run 'mvn -o install -DskipTests' first" >&2; exit 1; }
cp="$root/kata-hypervisor-kvm/target/classes:$root/kata-hypervisor-kvm/target/test-classes"
cp="$cp:$root/kata-native/target/classes:$root/kata-api/target/classes"
exec "$java_home/bin/java" --enable-native-access=ALL-UNNAMED -cp "$cp" \
  io.katacontainers.hypervisor.kvm.devices.virtio.vsock.VsockRelayBenchmark "$@"
