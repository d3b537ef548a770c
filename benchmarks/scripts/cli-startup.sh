#!/usr/bin/env bash
# Median wall time of whole `kata-runtime` processes (JVM start included), as a user sees them.
# Usage: cli-startup.sh [RUNS] [KATA_RUNTIME]   (defaults: 10, build/bin/kata-runtime)
set -euo pipefail
runs=${1:-10}
bin=${2:-$(cd "$(dirname "$0")/../.." && pwd)/build/bin/kata-runtime}
[ -x "$bin" ] || { echo "no $bin: run 'make build' first" >&2; exit 1; }

median_ms() { # command...: runs it $runs times, prints the median in milliseconds
  local samples=()
  for _ in $(seq "$runs"); do
    local start end
    start=$(date +%s%N)
    "$@" >/dev/null 2>&1 || true   # check exits non-zero on hosts that cannot run Kata: still a full run
    end=$(date +%s%N)
    samples+=($(( (end - start) / 1000000 )))
  done
  printf '%s\n' "${samples[@]}" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'
}

printf '%-36s %8s\n' "command ($runs runs)" "median"
for cmd in "--version" "check" "check --verbose --json" "env" "env --json"; do
  # shellcheck disable=SC2086
  printf '%-36s %6s ms\n' "kata-runtime $cmd" "$(median_ms "$bin" $cmd)"
done
printf '%-36s %6s ms\n' "/bin/true (process spawn floor)" "$(median_ms /bin/true)"
