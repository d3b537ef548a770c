#!/usr/bin/env bash
# Wall time of `ctr run --rm IMAGE ID true` through a private containerd (Debian's 1.6) with our shim
# (--runtime io.containerd.kata.v2) against the runc shim (io.containerd.runc.v2), interleaved in one run: median of
# RUNS each and the ratio; then the kata shim's own share, medians: the `start` call (shim JVM + daemon JVM until
# it listens), `--version` (bare JVM start-up of the launcher), the Create RPC (of which booting the sandbox), the
# Delete RPC and the `delete` call containerd makes after every shim disconnect; and that `delete` call on an
# empty bundle with and without the shim's AOT cache (what the cache saves on every call).
# Usage: shim-run.sh [--runs N]   (default 5; root; build first: make build)
set -euo pipefail
usage() { sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; }
runs=5
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --runs) runs=$2; shift 2 ;;
    *) usage >&2; exit 2 ;;
  esac
done
# shellcheck source=lib/kata-run.sh
. "$(dirname "$0")/lib/kata-run.sh"
require_build
# shellcheck source=lib/containerd.sh
. "$(dirname "$0")/lib/containerd.sh"
require_containerd
shim="$root/build/bin/containerd-shim-kata-v2"
config="$root/build/share/defaults/kata-containers/configuration.toml"
image=docker.io/library/kata-busybox:bench

# The shim containerd finds first on its PATH: a wrapper that times each call of the real one (start, delete) by
# its action, the last argument. The daemon is launched by the real launcher, not through this wrapper.
mkdir -p "$tmp/bin"
cat >"$tmp/bin/containerd-shim-kata-v2" <<WRAP
#!/bin/bash
t0=\$(date +%s%N)
"$shim" "\$@"
rc=\$?
echo "\${@: -1} \$(( (\$(date +%s%N) - t0) / 1000000 ))" >>"$tmp/calls"
exit \$rc
WRAP
chmod +x "$tmp/bin/containerd-shim-kata-v2"

start_containerd "$tmp/bin"

timed_run() { # ID RUNTIME [ARGS...]: prints the wall time of ctr run --rm in ms
  local id=$1 runtime=$2 t0
  shift 2
  t0=$(now_ms)
  "${c[@]}" run --rm --runtime "$runtime" "$@" "$image" "$id" true </dev/null >"$tmp/run.out" 2>&1 \
    || { cat "$tmp/run.out" >&2; die "ctr run $id ($runtime) failed"; }
  echo $(( $(now_ms) - t0 ))
}

: >"$tmp/kata"; : >"$tmp/runc"; : >"$tmp/version"; : >"$tmp/aot-on"; : >"$tmp/aot-off"
mkdir -p "$tmp/empty-bundle"
echo '{"annotations": {}}' >"$tmp/empty-bundle/config.json"
bare_delete() { # JAVA_OPTS: the shim's `delete` of a task that never existed, in ms
  local t0
  t0=$(now_ms)
  KATA_JAVA_OPTS="$1" "$shim" -namespace bench -address "$tmp/none.sock" -id "bench-none-$$" \
    -bundle "$tmp/empty-bundle" delete >/dev/null
  echo $(( $(now_ms) - t0 ))
}
for i in $(seq "$runs"); do
  id="bench-shim-$$-$i"
  sandbox_ids+=("$id")
  timed_run "$id" io.containerd.kata.v2 --runtime-config-path "$config" >>"$tmp/kata"
  timed_run "bench-runc-$$-$i" io.containerd.runc.v2 >>"$tmp/runc"
  t0=$(now_ms); "$shim" -v >/dev/null; echo $(( $(now_ms) - t0 )) >>"$tmp/version"
  bare_delete "" >>"$tmp/aot-on"
  bare_delete "-XX:AOTMode=off" >>"$tmp/aot-off"
  echo ">>   run $i: kata $(tail -1 "$tmp/kata") ms, runc $(tail -1 "$tmp/runc") ms" >&2
done

kata_ms=$(median <"$tmp/kata")
runc_ms=$(median <"$tmp/runc")
log_ms() { grep -o "$1 [0-9]* ms" "$tmp/containerd.log" | grep -o '[0-9]* ms' | cut -d' ' -f1 | median; }
echo
echo "ctr run --rm busybox true through containerd $(containerd --version | cut -d' ' -f3), median of $runs (ms)"
printf '  %-52s %7s ms\n' "runc shim (io.containerd.runc.v2)" "$runc_ms" \
  "kata shim (io.containerd.kata.v2, QEMU under $(grep -qw -e vmx -e svm /proc/cpuinfo && echo KVM || echo TCG))" \
  "$kata_ms"
printf '  %-52s %7s\n' "ratio kata / runc" "$(awk -v a="$kata_ms" -v b="$runc_ms" 'BEGIN {printf "%.0fx", a / b}')"
echo "kata shim's own share (median ms)"
printf '  %-52s %7s ms\n' \
  "containerd-shim-kata-v2 -v (launcher + JVM start-up)" "$(median <"$tmp/version")" \
  "start (start JVM + daemon JVM until it listens)" "$(awk '$1 == "start" {print $2}' "$tmp/calls" | median)" \
  "Create RPC" "$(log_ms "Create of [^ ]* took")" \
  "  of which the sandbox's VM boot + agent" "$(log_ms "sandbox [^ ]* started in")" \
  "Delete RPC (VM stop, unmounts)" "$(log_ms "Delete of [^ ]* took")" \
  "delete (containerd's cleanup call after disconnect)" "$(awk '$1 == "delete" {print $2}' "$tmp/calls" | median)" \
  "delete of an empty bundle, with the shim's AOT cache" "$(median <"$tmp/aot-on")" \
  "delete of an empty bundle, without (-XX:AOTMode=off)" "$(median <"$tmp/aot-off")"
echo "(host: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
