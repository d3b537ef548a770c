#!/usr/bin/env bash
# The agent's CreateContainer with and without Docker's default seccomp profile (lib/docker-default-seccomp.json:
# linux.seccomp exactly as dockerd 20.10 writes it into config.json, 357 syscall names in 12 rules), interleaved in
# one run of `kata-runtime run` of `true` (busybox bundle); the time is what kata-runtime's debug log gives for the
# call ("agent CreateContainer answered in N ms": the spec's conversion, the call, crun create in the guest with
# libseccomp compiling the filter). Median of RUNS each.
# Usage: seccomp-create.sh [--runs N]   (default 5; root; build first: make build)
set -euo pipefail
usage() { sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; }
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
profile="$(dirname "$0")/lib/docker-default-seccomp.json"
# The built tree's configuration with room for a guest that boots slowly on a loaded machine (TCG).
config="$tmp/configuration.toml"
sed -E 's/^dial_timeout = [0-9]+$/dial_timeout = 180/' "$root/build/share/defaults/kata-containers/configuration.toml" \
  >"$config"

make_bundle "$tmp/plain" true
make_bundle "$tmp/seccomp" true
python3 - "$tmp/seccomp/config.json" "$profile" <<'PY'
import json, sys
path, profile = sys.argv[1], sys.argv[2]
config = json.load(open(path))
config["linux"]["seccomp"] = json.load(open(profile))
json.dump(config, open(path, "w"), indent=2)
PY

create_ms() { # LOG: the CreateContainer time kata-runtime logged
  grep -o 'agent CreateContainer answered in [0-9,]* ms' "$1" | tail -1 | grep -o '[0-9,]* ms' | tr -d ', ms' \
    || die "no CreateContainer time in $1"
}
: >"$tmp/with"; : >"$tmp/without"
for i in $(seq "$runs"); do
  kata_run "bench-sc-$$-a$i" "$tmp/seccomp" "$tmp/with.out" "$config" >/dev/null
  create_ms "$tmp/with.out.log" >>"$tmp/with"
  grep -o 'created container [^ ]* with [^"]*' "$tmp/with.out.log" | tail -1 >>"$tmp/with.agent"
  kata_run "bench-sc-$$-b$i" "$tmp/plain" "$tmp/without.out" "$config" >/dev/null
  create_ms "$tmp/without.out.log" >>"$tmp/without"
  grep -o 'created container [^ ]* with [^"]*' "$tmp/without.out.log" | tail -1 >>"$tmp/without.agent"
  echo ">>   run $i: CreateContainer with the profile $(tail -1 "$tmp/with") ms, without $(tail -1 "$tmp/without") ms" >&2
done
echo
echo "agent CreateContainer of a busybox \`true\`, median of $runs (ms)"
printf '  %-48s %7s ms\n' "with Docker's default seccomp profile" "$(median <"$tmp/with")" \
  "without linux.seccomp" "$(median <"$tmp/without")"
echo "  every run (ms): with $(tr '\n' ' ' <"$tmp/with")| without $(tr '\n' ' ' <"$tmp/without")"
echo "the agent's split (guest clock), with the profile:"; sed 's/^/  /' "$tmp/with.agent"
echo "without:"; sed 's/^/  /' "$tmp/without.agent"
echo "(host: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
