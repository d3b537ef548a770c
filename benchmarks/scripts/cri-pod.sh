#!/usr/bin/env bash
# A Kubernetes pod's start through containerd's CRI plugin (Debian's containerd 1.6, private to the run, CNI bridge),
# as kubelet drives it: RunPodSandbox, then CreateContainer and StartContainer of one busybox container, with runtime
# handler kata (our shim, a VM per pod) against runc, interleaved in the same run; median of RUNS per CRI call and
# the ratio kata / runc, plus the teardown (Stop/RemoveContainer, Stop/RemovePodSandbox). The CRI client is the
# end-to-end tests' gRPC client (packaging, CriPodBench).
# Usage: cri-pod.sh [--runs N]   (default 5; root; build first: make build)
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
command -v containerd >/dev/null || die "needs containerd: apt-get install containerd"
[ -x /usr/lib/cni/bridge ] || die "needs the CNI plugins: apt-get install containernetworking-plugins"
JAVA_HOME=$("$root/packaging/scripts/find-jdk.sh")
export JAVA_HOME
out="$tmp/cri-pod.txt"
(cd "$root" && mvn -B -ntp -o -q -pl packaging surefire:test -Dtest=CriPodBench \
  -Dsurefire.failIfNoSpecifiedTests=false -Dkata.bench.runs="$runs" -Dkata.bench.out="$out" >"$tmp/mvn.log" 2>&1) \
  || { tail -n 40 "$tmp/mvn.log" >&2; die "the CRI benchmark failed (log above)"; }
cat "$out"
cleanup
