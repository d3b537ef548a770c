#!/usr/bin/env bash
# Per-exit cost of the built-in VMM (a guest port write to a UART register: KVM exit, bus dispatch, device, re-entry)
# against a minimal C loop doing the same KVM_RUN round trips with no VMM work, on this host's /dev/kvm, in one run;
# the VMM is measured with its vCPU thread unfiltered and under its seccomp filter (as the runtime runs it).
# The Java side runs with the shim's JVM flags (C1 only, serial GC), from the build/ tree.
# Usage: vmm-exit-cost.sh [EXITS] [RUNS]   (defaults: 100000, 5; build first: make build)
set -euo pipefail
exits=${1:-100000}
runs=${2:-5}
root=$(cd "$(dirname "$0")/../.." && pwd)
lib="$root/build/lib/kata-java"
[ -x "$lib/jre/bin/java" ] && [ -d "$lib/modules" ] && [ -f "$lib/jvm.args" ] || { echo "no $lib: run 'make build' first" >&2; exit 1; }
[ -e /dev/kvm ] || { echo "no /dev/kvm on this host" >&2; exit 1; }
command -v gcc >/dev/null || { echo "gcc is missing: apt-get install gcc" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
gcc -O2 -Wall -Werror -o "$work/peer" "$(dirname "$0")/lib/kvm-exit-peer.c"

vmm() {
  "$lib/jre/bin/java" "@$lib/jvm.args" -p "$lib/modules" \
    -m io.katacontainers.hypervisor.kvm/io.katacontainers.hypervisor.kvm.tool.VmmTool exit-cost \
    --exits "$exits" --runs "$runs" --json "$@" | sed -n 's/.*"medianMicrosPerExit":\([0-9.]*\).*/\1/p'
}
java_us=$(vmm)
seccomp_us=$(vmm --seccomp)
c_us=$("$work/peer" "$exits" "$runs")
printf '%-44s %10s\n' "port-I/O exit ($runs runs of $exits exits)" "median"
printf '%-44s %7s us\n' "built-in VMM (Java, FFM)" "$java_us"
printf '%-44s %7s us\n' "built-in VMM, vCPU thread under seccomp" "$seccomp_us"
printf '%-44s %7s us\n' "minimal C loop (KVM round trip only)" "$c_us"
awk -v j="$java_us" -v c="$c_us" 'BEGIN { printf "%-44s %8.2fx\n", "ratio built-in / C", j / c }'
awk -v j="$java_us" -v s="$seccomp_us" 'BEGIN { printf "%-44s %8.2fx\n", "ratio seccomp / unfiltered", s / j }'
