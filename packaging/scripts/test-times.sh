#!/usr/bin/env bash
# Prints where a test run's time went, from the Surefire reports of every module: one line per test class, the
# slowest first, each module's total, and a closing count line. Reads only; the exit code is 0 unless no report
# exists.
# Usage: test-times.sh [--top N] [--wall SECONDS] [REPO]   (default: all classes; REPO default: this checkout)
set -euo pipefail
usage() { sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'; }
top=0
wall=""
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --top) top=$2; shift 2 ;;
    --wall) wall=$2; shift 2 ;;
    -*) echo "test-times.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
    *) break ;;
  esac
done
repo=${1:-$(cd "$(dirname "$0")/../.." && pwd)}

rows=$(mktemp)
trap 'rm -f "$rows"' EXIT
# One row per report: seconds, module, class, tests, failures+errors, skipped (the <testsuite> element's attributes).
for report in "$repo"/*/target/surefire-reports/TEST-*.xml; do
  [ -e "$report" ] || continue
  module=${report#"$repo"/}; module=${module%%/*}
  head -c 4096 "$report" | tr '\n' ' ' | grep -o '<testsuite [^>]*>' | head -n1 | awk -v module="$module" '
    function attr(name,   m) {
      if (match($0, " " name "=\"[^\"]*\"")) { m = substr($0, RSTART, RLENGTH); sub(/^[^"]*"/, "", m); sub(/"$/, "", m); return m }
      return ""
    }
    { printf "%s %s %s %d %d %d\n", attr("time") + 0, module, attr("name"), attr("tests"), attr("failures") + attr("errors"), attr("skipped") }'
done > "$rows"
[ -s "$rows" ] || { echo "test-times.sh: no Surefire reports under $repo/*/target/surefire-reports" >&2; exit 1; }

echo ">> test time per class (seconds, slowest first; classes of one module may run in parallel)"
sort -k1,1 -g -r "$rows" | awk -v top="$top" '
  top == 0 || NR <= top { printf "%8.1f  %-22s %-70s %4d tests%s\n", $1, $2, $3, $4, ($5 > 0 ? "  FAILED " $5 : "") }'
echo ">> per module (sum of its classes)"
awk '{ t[$2] += $1; n[$2] += $4 } END { for (m in t) printf "%8.1f  %-22s %5d tests\n", t[m], m, n[m] }' "$rows" | sort -g -r
awk -v wall="$wall" '
  { total += $1; tests += $4; failed += $5; skipped += $6 }
  END {
    printf ">> %.0f s in test classes", total
    if (wall != "") printf ", %d s of wall time for the whole run", wall
    printf "\n"
    printf "tests: %d passed, %d failed, %d skipped\n", tests - failed - skipped, failed, skipped
  }' "$rows"
