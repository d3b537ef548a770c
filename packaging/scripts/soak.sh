#!/usr/bin/env bash
# Runs the end-to-end loops that the suite keeps short at soak length, against the built tree (make build first):
# Kata's seed repro through containerd (a two-container pod, exec, delete: ShimEndToEndTest) and kata-runtime run
# cycles (RunEndToEndTest), each N times, every iteration checking that nothing was left behind.
# Usage: soak.sh [--iterations N]   (default 50; the suite runs 3)
set -euo pipefail
usage() { sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'; }
iterations=50
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --iterations) iterations=$2; shift 2 ;;
    *) echo "soak.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
  esac
done
[[ $iterations =~ ^[1-9][0-9]*$ ]] || { echo "soak.sh: --iterations takes a positive number, not '$iterations'" >&2; exit 2; }
repo=$(cd "$(dirname "$0")/../.." && pwd)
[ -x "$repo/build/bin/kata-runtime" ] || { echo "soak.sh: no built tree at $repo/build: run 'make build' first" >&2; exit 1; }
JAVA_HOME=${JAVA_HOME:-$("$repo/packaging/scripts/find-jdk.sh")}
export JAVA_HOME
echo ">> soak: $iterations pods through containerd, $iterations kata-runtime run cycles"
cd "$repo"
exec mvn -B -ntp -pl packaging surefire:test \
  -Dtest='ShimEndToEndTest#podOfTwoContainersSharesOneShimAndVmAndLeavesNothingRepeatedly,RunEndToEndTest#runCyclesLeakNothing' \
  -Dsurefire.failIfNoSpecifiedTests=false \
  -Dkata.shim.seedIterations="$iterations" -Dkata.run.cycles="$iterations"
