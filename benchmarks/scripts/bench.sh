#!/usr/bin/env bash
# The performance regression suite: JMH benchmarks of ours against peers measured in the same run (built-in VMM boot
# vs bare KVM bindings, QEMU TCG boot of our kernel+initrd to /init vs a few-byte PVH payload, vsock/blk/fs data paths
# vs unix socket/pread/pwrite/direct vhost-user, ttrpc Java vs Go, the agent's container path in host mode vs runc
# run), reduced to ratios ours/peer. Writes build/bench/<group>.json (JMH), build/bench/summary.json and summary.txt.
# About 7 minutes on 2 cores (<= 15; 6 min 40 s measured at load 8). Build first (make build: the guest kernel, test initrd and agent modules).
# Usage: bench.sh [run] [--quick] [--only GROUPS]   run the suite (GROUPS: comma list of boot,qemuboot,datapath,ttrpc,agent)
#        bench.sh check                             hold build/bench/summary.json to benchmarks/baselines/<class>.json
#        bench.sh baseline                          write that baseline from build/bench/summary.json
#        bench.sh results                           rewrite the generated section of benchmarks/RESULTS.md
#   --quick  one fork, short iterations: to try the suite, not to compare (no baseline is taken from it)
set -euo pipefail
usage() { sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; }
module=$(cd "$(dirname "$0")/.." && pwd)
root=$(cd "$module/.." && pwd)
out="$root/build/bench"
command=run quick=0 only=boot,qemuboot,datapath,ttrpc,agent
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    run|check|baseline|results) command=$1; shift ;;
    --quick) quick=1; shift ;;
    --only) only=$2; shift 2 ;;
    *) echo "bench.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
  esac
done
jar="$module/target/benchmarks-0.1.0-SNAPSHOT.jar"
[ -f "$jar" ] && [ -f "$module/target/classpath.txt" ] \
  || { echo "bench.sh: the benchmarks jar is missing: run 'make build' (or mvn -B -pl benchmarks -am package) first" >&2; exit 1; }
java_home=$("$root/packaging/scripts/find-jdk.sh")
cp="$jar:$(cat "$module/target/classpath.txt")"
# kata.root: where QemuBootBenchmark and AgentContainerBenchmark find the built tree (JMH's forks inherit it).
java=("$java_home/bin/java" --enable-native-access=ALL-UNNAMED "-Dkata.root=$root" -cp "$cp")
tool() { "${java[@]}" io.katacontainers.benchmarks.check.BenchTool "$@"; }
machine=$(tool machine-class)
baseline="$module/baselines/$machine.json"
summary="$out/summary.json"
need_summary() { [ -f "$summary" ] || { echo "bench.sh: no $summary: run 'make bench' first" >&2; exit 1; }; }

case "$command" in
  check) need_summary; tool check --baseline "$baseline" --summary "$summary"; exit ;;
  baseline)
    need_summary
    grep -q '"quick"' "$out/run.txt" 2>/dev/null && { echo "bench.sh: the last run was --quick: no baseline from it" >&2; exit 1; }
    tool baseline --summary "$summary" --out "$baseline" --recorded "$(cat "$out/run.txt")"; exit ;;
  results)
    need_summary
    args=(--summary "$summary" --markdown "$module/RESULTS.md" --command "make bench")
    [ -f "$baseline" ] && args+=(--baseline "$baseline")
    tool results "${args[@]}"; exit ;;
esac

rm -rf "$out" && mkdir -p "$out"
if [ "$quick" = 1 ]; then
  jmh_common=(-f 1 -wi 1 -i 2) ttrpc_counts=()
else
  jmh_common=() ttrpc_counts=(-f 3 -wi 2 -i 3)
fi
jmh() { # GROUP JMH-ARGS...: one JMH run writing build/bench/GROUP.json
  local group=$1; shift
  echo ">> bench: $group" >&2
  local status=0
  "${java[@]}" org.openjdk.jmh.Main "$@" "${jmh_common[@]}" -rf json -rff "$out/$group.json" >"$out/$group.log" 2>&1 \
    || status=$?
  grep -E '^(# Benchmark:|Benchmark |[A-Z][A-Za-z]+Benchmark\.)' "$out/$group.log" || true
  if [ "$status" != 0 ] || grep -q '<failure>' "$out/$group.log"; then
    echo "bench.sh: a benchmark of $group failed (see $out/$group.log)" >&2; exit 1
  fi
}
groups=",$only,"
if [[ $groups == *,boot,* ]]; then
  if [ -e /dev/kvm ]; then
    jmh boot 'boot.VmmBootBenchmark'
  else
    echo ">> bench: boot skipped: no /dev/kvm on this host (the built-in VMM's boot needs one)" >&2
  fi
fi
if [[ $groups == *,qemuboot,* ]]; then
  jmh qemuboot 'boot.QemuBootBenchmark'
fi
if [[ $groups == *,datapath,* ]]; then
  jmh datapath 'datapath\.'
fi
if [[ $groups == *,ttrpc,* ]]; then
  if command -v go >/dev/null && [ -d /usr/share/gocode/src/github.com/containerd/ttrpc ]; then
    echo ">> go build ttrpcbench" >&2
    GOPATH="$module/go:/usr/share/gocode" GO111MODULE=off GOFLAGS= GOCACHE="$module/target/go-build-cache" \
      go build -o "$out/ttrpcbench" ttrpcbench
    # Average time (not the annotation's sample mode): the check needs per-fork iteration scores.
    TTRPC_BENCH_GO="$out/ttrpcbench" jmh ttrpc 'TtrpcRoundTrip' -bm avgt -tu us -w 1s -r 1s "${ttrpc_counts[@]}"
  else
    echo ">> bench: ttrpc skipped: needs Go and containerd's ttrpc (apt-get install golang-go golang-github-containerd-ttrpc-dev)" >&2
  fi
fi
if [[ $groups == *,agent,* ]]; then
  jmh agent 'agent.AgentContainerBenchmark'
fi
{
  printf '%s, %s, commit %s, load %s' "$(date -u +%Y-%m-%dT%H:%MZ)" "$machine" \
    "$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)" "$(cut -d' ' -f1-3 /proc/loadavg)"
  [ "$quick" = 1 ] && printf ', "quick"'
  echo
} > "$out/run.txt"
tool summarize --machine-class "$machine" --out "$summary" "$out"/*.json | tee "$out/summary.txt"
echo ">> bench: wrote $out (JMH JSON, summary.json, summary.txt); 'make bench-check' holds it to $baseline" >&2
