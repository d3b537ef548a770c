#!/usr/bin/env bash
# ttrpc round trip (one unary grpc.Health/Check over a unix socket), Java vs Go, in one run: median and p99 for
# Go client→Go server, Go client→Java server, Java client→Go server, Java client→Java server, and Java/Go ratios.
# Go side: benchmarks/go/src/ttrpcbench (containerd's ttrpc 1.1.1 from Debian, built offline in GOPATH mode).
# Java client: JMH TtrpcRoundTripBenchmark (sample mode). Needs: make build; apt-get install golang-go
# golang-github-containerd-ttrpc-dev.
# Usage: ttrpc-rtt.sh [--calls N] [--warmup N] [--jmh "JMH OPTIONS"]
#   --calls   timed calls of the Go client (default 50000)   --warmup  untimed calls before them (default 50000)
#   --jmh     JMH options (default "-f 1 -wi 2 -w 2s -i 3 -r 2s")
set -euo pipefail
usage() { sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; }
calls=50000 warmup=50000 jmh_opts="-f 1 -wi 2 -w 2s -i 3 -r 2s"
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --calls) calls=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --jmh) jmh_opts=$2; shift 2 ;;
    *) usage >&2; exit 2 ;;
  esac
done
module=$(cd "$(dirname "$0")/.." && pwd)
root=$(cd "$module/.." && pwd)
jar="$module/target/benchmarks-0.1.0-SNAPSHOT.jar"
[ -d "$root/build" ] && [ -f "$jar" ] && [ -f "$module/target/classpath.txt" ] \
  || { echo "ttrpc-rtt.sh: build/ or the benchmarks jar is missing: run make build first" >&2; exit 1; }
command -v go >/dev/null && [ -d /usr/share/gocode/src/github.com/containerd/ttrpc ] \
  || { echo "ttrpc-rtt.sh: needs Go and containerd's ttrpc: apt-get install golang-go golang-github-containerd-ttrpc-dev" >&2; exit 1; }
command -v python3 >/dev/null || { echo "ttrpc-rtt.sh: needs python3 (to read JMH's JSON)" >&2; exit 1; }
java_home=$("$root/packaging/scripts/find-jdk.sh")
cp="$jar:$(cat "$module/target/classpath.txt")"

tmp=$(mktemp -d /tmp/ttrpc-rtt.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo ">> go build ttrpcbench" >&2
GOPATH="$module/go:/usr/share/gocode" GO111MODULE=off GOFLAGS= GOCACHE="$module/target/go-build-cache" \
  go build -o "$tmp/ttrpcbench" ttrpcbench
bench="$tmp/ttrpcbench"

start_server() { # NAME COMMAND...: starts a server printing READY on stdout, waits for it (30 s)
  local name=$1; shift
  local out="$tmp/$name.out"
  "$@" >"$out" 2>"$tmp/$name.err" &
  pids+=($!)
  for _ in $(seq 300); do
    grep -q READY "$out" 2>/dev/null && return 0
    kill -0 "${pids[-1]}" 2>/dev/null || break
    sleep 0.1
  done
  echo "ttrpc-rtt.sh: $name server did not start:" >&2; cat "$tmp/$name.err" >&2; exit 1
}
stop_last_server() { local p=${pids[-1]}; kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; unset 'pids[-1]'; }

declare -A median p99
go_client() { # KEY SOCKET
  echo ">> $1: Go client, $warmup warm-up + $calls timed calls" >&2
  local line; line=$("$bench" client "$2" "$calls" "$warmup")
  median[$1]=$(sed -n 's/.*median_us=\([0-9.]*\).*/\1/p' <<<"$line")
  p99[$1]=$(sed -n 's/.*p99_us=\([0-9.]*\).*/\1/p' <<<"$line")
}

start_server go "$bench" server "$tmp/go.sock"
go_client go-go "$tmp/go.sock"
stop_last_server

start_server java "$java_home/bin/java" -cp "$cp" io.katacontainers.benchmarks.ttrpc.HealthServer "$tmp/java.sock"
go_client go-java "$tmp/java.sock"
stop_last_server

echo ">> Java client (JMH $jmh_opts, server=go,java)" >&2
# shellcheck disable=SC2086
TTRPC_BENCH_GO="$bench" "$java_home/bin/java" --enable-native-access=ALL-UNNAMED -cp "$cp" org.openjdk.jmh.Main \
  TtrpcRoundTripBenchmark -p server=go,java $jmh_opts -rf json -rff "$tmp/jmh.json" >"$tmp/jmh.log" 2>&1 \
  || { cat "$tmp/jmh.log" >&2; exit 1; }
while read -r kind m p; do
  median[java-$kind]=$m; p99[java-$kind]=$p
done < <(python3 - "$tmp/jmh.json" <<'PY'
import json, sys
for r in json.load(open(sys.argv[1])):
    pct = r["primaryMetric"]["scorePercentiles"]
    print(r["params"]["server"], "%.1f" % pct["50.0"], "%.1f" % pct["99.0"])
PY
)

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo
printf 'ttrpc unary round trip, grpc.Health/Check over a unix socket (µs)\n'
printf '%-26s %10s %10s\n' "client -> server" "median" "p99"
for k in go-go go-java java-go java-java; do
  printf '%-26s %10s %10s\n' "${k%%-*} -> ${k#*-}" "${median[$k]}" "${p99[$k]}"
done
echo
printf '%-30s %8s %8s\n' "ratio (Java/Go)" "median" "p99"
printf '%-30s %8s %8s\n' "server: Go->Java vs Go->Go" \
  "$(ratio "${median[go-java]}" "${median[go-go]}")" "$(ratio "${p99[go-java]}" "${p99[go-go]}")"
printf '%-30s %8s %8s\n' "client: Java->Go vs Go->Go" \
  "$(ratio "${median[java-go]}" "${median[go-go]}")" "$(ratio "${p99[java-go]}" "${p99[go-go]}")"
printf '%-30s %8s %8s\n' "both: Java->Java vs Go->Go" \
  "$(ratio "${median[java-java]}" "${median[go-go]}")" "$(ratio "${p99[java-java]}" "${p99[go-go]}")"
echo "(host: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); Go $(go env GOVERSION), $("$java_home/bin/java" -version 2>&1 | head -1))"
