#!/usr/bin/env bash
# Wall time of a whole container run, `kata-runtime run --bundle B ID true` (build/bin, a VM per run) against
# `runc run` of the same busybox bundle, interleaved in one run; median of RUNS each, the ratio, and kata's time
# split into phases from its debug log (runtime start / VM boot to agent ready / CreateSandbox / container /
# teardown; see lib/kata-run.sh).
# Usage: run-latency.sh [--runs N] [--against CONFIG]   (default 5; root; build first: make build; runc: apt-get
#   install runc). --against also runs kata-runtime --config CONFIG in the same loop (A/B, e.g. another initrd or
#   kernel_params) and prints its split beside the default configuration's.
set -euo pipefail
usage() { sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; }
runs=5
against=
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --runs) runs=$2; shift 2 ;;
    --against) against=$2; shift 2 ;;
    *) usage >&2; exit 2 ;;
  esac
done
[ -z "$against" ] || [ -r "$against" ] || { echo "run-latency.sh: cannot read --against $against" >&2; exit 2; }
# shellcheck source=lib/kata-run.sh
. "$(dirname "$0")/lib/kata-run.sh"
require_build
if ! command -v runc >/dev/null; then
  echo ">> installing runc" >&2
  apt-get install -y -qq runc >/dev/null || die "runc is missing and apt-get install runc failed"
fi

runc_ids=()
cleanup_runc() { set +e; local id; for id in "${runc_ids[@]}"; do runc delete -f "$id" >/dev/null 2>&1 || true; done; cleanup; }
trap cleanup_runc EXIT

make_bundle "$tmp/bundle" true
: >"$tmp/kata" ; : >"$tmp/runc"
for i in $(seq "$runs"); do
  kata_run "bench-rl-$$-$i" "$tmp/bundle" "$tmp/kata.out" >>"$tmp/kata"
  id="bench-rl-runc-$$-$i"
  runc_ids+=("$id")
  t0=$(now_ms)
  runc run --bundle "$tmp/bundle" "$id" </dev/null >/dev/null 2>"$tmp/runc.err" \
    || { cat "$tmp/runc.err" >&2; die "runc run $id failed"; }
  echo $(( $(now_ms) - t0 )) >>"$tmp/runc"
  echo ">>   run $i: kata $(tail -1 "$tmp/kata" | cut -d' ' -f1) ms, runc $(tail -1 "$tmp/runc") ms" >&2
  if [ -n "$against" ]; then
    kata_run "bench-rl-b-$$-$i" "$tmp/bundle" "$tmp/against.out" "$against" >>"$tmp/against"
    echo ">>   run $i: kata --config $against $(tail -1 "$tmp/against" | cut -d' ' -f1) ms" >&2
  fi
done

kata_ms=$(cut -d' ' -f1 "$tmp/kata" | median)
runc_ms=$(median <"$tmp/runc")
echo
echo "container run of \`true\`, busybox bundle, median of $runs (ms)"
printf '  %-48s %7s ms\n' "runc run ($(runc --version | head -1 | cut -d' ' -f3))" "$runc_ms" \
  "kata-runtime run ($(grep -o 'QEMU [0-9.]* runs as pid [0-9]* ([^)]*)' "$tmp/kata.out.log" | sed 's/runs as pid [0-9]* //'))" "$kata_ms"
printf '  %-48s %7s\n' "ratio kata / runc" "$(awk -v a="$kata_ms" -v b="$runc_ms" 'BEGIN {printf "%.0fx", a / b}')"
echo "kata-runtime run, split (median of each phase, ms; they need not add up to the median total)"
print_kata_phases "$tmp/kata"
if [ -n "$against" ]; then
  echo "kata-runtime --config $against run, split (same loop)"
  print_kata_phases "$tmp/against"
fi
echo "(host: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
