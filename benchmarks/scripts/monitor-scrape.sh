#!/usr/bin/env bash
# Scrape cost of the metrics path: kata-monitor's /metrics latency with 1 and with PODS pods running through a private
# containerd (Debian's 1.6) and our shim, median of SCRAPES each and the ratio; each shim's own /metrics (its
# shim-monitor.sock, scraped directly) as the peer of the monitor's answer; and the shim's RSS with and without its
# metrics endpoint being scraped: two pods started alike, the first scraped RSS_SCRAPES times, the second left alone.
# The monitor sees only this run's sandboxes (a private --sandboxes-root of links into /run/vc/sbs).
# Usage: monitor-scrape.sh [--pods N] [--scrapes N] [--rss-scrapes N] [--java-opts OPTS]
#   defaults 4, 10, 200; --java-opts: KATA_JAVA_OPTS for the shims (e.g. an initial heap of 384 MiB, the JVM's default
#   on a 24 GiB host, to compare with the shipped one); root; build first: make build
set -euo pipefail
usage() { sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; }
pods=4 scrapes=10 rss_scrapes=200 java_opts=
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --pods) pods=$2; shift 2 ;;
    --scrapes) scrapes=$2; shift 2 ;;
    --rss-scrapes) rss_scrapes=$2; shift 2 ;;
    --java-opts) java_opts=$2; shift 2 ;;
    *) usage >&2; exit 2 ;;
  esac
done
[ "$pods" -ge 2 ] || { echo "monitor-scrape.sh: --pods must be at least 2 (the RSS peer)" >&2; exit 2; }
# shellcheck source=lib/kata-run.sh
. "$(dirname "$0")/lib/kata-run.sh"
require_build
# shellcheck source=lib/containerd.sh
. "$(dirname "$0")/lib/containerd.sh"
require_containerd
command -v curl >/dev/null || die "needs curl: apt-get install curl"
monitor="$root/build/bin/kata-monitor"
[ -x "$monitor" ] || die "$monitor is missing: run make build first"
# The shipped configuration with room for slow TCG boots while other pods' VMs run.
sed -E 's/^dial_timeout = [0-9]+$/dial_timeout = 180/' \
  "$root/build/share/defaults/kata-containers/configuration.toml" >"$tmp/configuration.toml"
config="$tmp/configuration.toml"
image=docker.io/library/kata-busybox:bench

monitor_pid=
containerd_extra_teardown() {
  [ -n "$monitor_pid" ] && { kill "$monitor_pid" 2>/dev/null; wait "$monitor_pid" 2>/dev/null; }
}
start_containerd "$root/build/bin" KATA_JAVA_OPTS="$java_opts"
mkdir -p "$tmp/sbs"

start_pod() { # ID: a detached pod running sleep; returns once its shim serves metrics
  local id=$1
  sandbox_ids+=("$id")
  "${c[@]}" run -d --runtime io.containerd.kata.v2 --runtime-config-path "$config" "$image" "$id" sleep 100000 \
    </dev/null >"$tmp/run-$id.out" 2>&1 || { cat "$tmp/run-$id.out" >&2; die "ctr run $id failed"; }
  ln -s "/run/vc/sbs/$id" "$tmp/sbs/$id"
  for _ in $(seq 600); do [ -S "/run/vc/sbs/$id/shim-monitor.sock" ] && return 0; sleep 0.1; done
  die "the shim of $id serves no metrics (no /run/vc/sbs/$id/shim-monitor.sock)"
}
stop_pod() {
  "${c[@]}" task kill -s KILL "$1" >/dev/null 2>&1 || true
  "${c[@]}" task delete --force "$1" >/dev/null
  "${c[@]}" container delete "$1" >/dev/null
  rm -f "$tmp/sbs/$1"
}
shim_rss() { # ID: VmRSS of the pod's shim daemon in MiB
  local pid
  pid=$(cat "$tmp/state/io.containerd.runtime.v2.task/default/$1/shim.pid")
  awk '/^VmRSS:/ {printf "%.1f", $2 / 1024}' "/proc/$pid/status"
}
scrape_ms() { # URL [curl args]: one GET's total time in ms; fails on an HTTP error
  curl -sf -o "$tmp/scrape.out" -w '%{time_total}\n' "$@" | awk '{printf "%.1f\n", $1 * 1000}'
}
monitor_scrapes() { # OUT: SCRAPES timed /metrics of the monitor, after one warm-up
  local i
  scrape_ms "$monitor_url" >/dev/null
  for i in $(seq "$scrapes"); do scrape_ms "$monitor_url"; done >"$1"
}
shim_scrapes() { # ID OUT: SCRAPES timed /metrics of one shim, directly on its socket, after one warm-up
  local i sock="/run/vc/sbs/$1/shim-monitor.sock"
  scrape_ms --unix-socket "$sock" http://shim/metrics >/dev/null
  for i in $(seq "$scrapes"); do scrape_ms --unix-socket "$sock" http://shim/metrics; done >"$2"
}

base="bench-mon-$$"
echo ">> starting $pods pods" >&2
for i in $(seq "$pods"); do
  start_pod "$base-$i"
  echo ">>   pod $i up" >&2
done

# RSS: pod 1 scraped, pod 2 its peer, both measured before and after.
a="$base-1" b="$base-2"
rss_a0=$(shim_rss "$a") rss_b0=$(shim_rss "$b")
for _ in $(seq "$rss_scrapes"); do
  curl -sf -o /dev/null --unix-socket "/run/vc/sbs/$a/shim-monitor.sock" http://shim/metrics \
    || die "scraping the shim of $a failed"
done
rss_a1=$(shim_rss "$a") rss_b1=$(shim_rss "$b")

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
monitor_url="http://127.0.0.1:$port/metrics"
"$monitor" --listen-address "127.0.0.1:$port" --log-level warn --sandboxes-root "$tmp/sbs" \
  >"$tmp/monitor.log" 2>&1 &
monitor_pid=$!
for _ in $(seq 300); do curl -sf -o /dev/null "$monitor_url" && break; sleep 0.1; done
curl -sf -o /dev/null "$monitor_url" || { cat "$tmp/monitor.log" >&2; die "kata-monitor did not answer"; }

monitor_scrapes "$tmp/monitor-$pods"
series_n=$(grep -c '^kata_' "$tmp/scrape.out" || true)
shim_scrapes "$a" "$tmp/shim-$pods"
for i in $(seq 2 "$pods"); do stop_pod "$base-$i"; done
monitor_scrapes "$tmp/monitor-1"
series_1=$(grep -c '^kata_' "$tmp/scrape.out" || true)
shim_scrapes "$a" "$tmp/shim-1"

m1=$(median <"$tmp/monitor-1") mn=$(median <"$tmp/monitor-$pods")
s1=$(median <"$tmp/shim-1") sn=$(median <"$tmp/shim-$pods")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
echo
echo "kata-monitor /metrics through containerd $(containerd --version | cut -d' ' -f3), QEMU under" \
  "$(grep -qw -e vmx -e svm /proc/cpuinfo && echo KVM || echo TCG), median of $scrapes (ms)"
printf '  %-52s %8s ms  (%s kata_ samples)\n' "kata-monitor, 1 pod" "$m1" "$series_1" \
  "kata-monitor, $pods pods" "$mn" "$series_n"
printf '  %-52s %8s\n' "ratio $pods pods / 1 pod" "$(ratio "$mn" "$m1")"
printf '  %-52s %8s ms\n' "one shim's /metrics, directly (1 pod running)" "$s1" \
  "one shim's /metrics, directly ($pods pods running)" "$sn"
printf '  %-52s %8s\n' "ratio monitor / one shim (1 pod)" "$(ratio "$m1" "$s1")"
echo "shim daemon RSS (MiB), KATA_JAVA_OPTS='${java_opts}'"
printf '  %-52s %8s -> %s\n' "scraped $rss_scrapes times (pod 1): before -> after" "$rss_a0" "$rss_a1" \
  "not scraped (pod 2, its peer): before -> after" "$rss_b0" "$rss_b1"
printf '  %-52s %8s\n' "ratio scraped / not scraped (after)" "$(ratio "$rss_a1" "$rss_b1")"
echo "(host: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
