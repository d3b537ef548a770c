#!/usr/bin/env bash
# Guest figures of our real guest (build/: vmlinux.container + kata-containers-initrd.img, agent inside) under
# whatever kata-runtime uses on this host (QEMU TCG here): guest MemTotal/MemAvailable, the agent JVM's VmRSS,
# guest boot timeline (kernel start → /init → agent JVM → agent listening → container start, from /proc starttimes),
# and the host wall time of `kata-runtime run ... true` (median of RUNS) split into phases from its debug log.
# Usage: guest-footprint.sh [--runs N] [--config FILE]   (default 5; root; build first: make build)
#   --config: the runtime configuration (e.g. another initrd or image, to compare guests in the same tree)
set -euo pipefail
usage() { sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; }
runs=5 config=
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --runs) runs=$2; shift 2 ;;
    --config) config=$(realpath "$2"); shift 2 ;;
    *) usage >&2; exit 2 ;;
  esac
done
# shellcheck source=lib/kata-run.sh
. "$(dirname "$0")/lib/kata-run.sh"
require_build

# The probe runs in the container; /gproc is the guest's /proc (see make_bundle --no-pidns).
make_bundle "$tmp/probe" --no-pidns sh /probe.sh
cat > "$tmp/probe/rootfs/probe.sh" <<'SH'
stat_start() { set -- $(sed 's/^.*) //' "$1"); echo "${20}"; }   # field 22 of stat, after "(comm)"
echo "container_start $(stat_start /proc/$$/stat)"
echo "uptime $(cut -d' ' -f1 /proc/uptime)"
grep -E '^(MemTotal|MemFree|MemAvailable|Cached|Shmem):' /proc/meminfo
grep -E '^(VmRSS|VmHWM|RssAnon|RssFile|RssShmem|Threads):' /gproc/1/status
echo "pid1_cmdline $(tr '\0' ' ' </gproc/1/cmdline)"
for t in /gproc/1/task/*; do echo "task ${t##*/} $(stat_start "$t/stat") $(cat "$t/comm")"; done
SH
hz=$(getconf CLK_TCK)
echo ">> probe run (guest figures)" >&2
kata_run "bench-fp-$$-probe" "$tmp/probe" "$tmp/probe.out" "$config" >/dev/null
out="$tmp/probe.out"
grep -q '^pid1_cmdline .*java' "$out" || { cat "$out" >&2; die "PID 1 of the guest is not the agent's JVM"; }
kb() { awk -v k="$1:" '$1 == k {print $2}' "$out"; }
mib() { awk -v v="$1" 'BEGIN {printf "%.1f MiB", v / 1024}'; }
sec() { awk -v t="$1" -v hz="$hz" 'BEGIN {printf "%.2f s", t / hz}'; }
pid1=$(awk '$1 == "task" && $2 == 1 {print $3}' "$out")
jvm_main=$(awk '$1 == "task" && $2 != 1 {print $2, $3}' "$out" | sort -n | head -1 | cut -d' ' -f2)
listening=$(awk '$1 == "task" && $4 ~ /^(serial|vsock):/ {print $3}' "$out" | sort -n | tail -1)
container=$(awk '$1 == "container_start" {print $2}' "$out")

echo
initrd="$root/build/share/kata-containers/kata-containers-initrd.img"
[ -z "$config" ] || initrd=$(sed -n 's/^initrd = "\(.*\)"$/\1/p' "$config" | head -1)
echo "guest ($(basename "$root/build/share/kata-containers/vmlinux.container"), ${initrd:-no initrd} $([ -f "$initrd" ] && du -h "$initrd" | cut -f1))${config:+, $config}"
printf '  %-48s %s\n' "MemTotal" "$(mib "$(kb MemTotal)")" "MemAvailable (container running)" "$(mib "$(kb MemAvailable)")" \
  "MemTotal - MemAvailable" "$(mib $(( $(kb MemTotal) - $(kb MemAvailable) )))" \
  "Shmem (tmpfs: the unpacked initrd, /run)" "$(mib "$(kb Shmem)")" \
  "agent JVM (PID 1) VmRSS" "$(mib "$(kb VmRSS)")" "agent JVM VmHWM (peak)" "$(mib "$(kb VmHWM)")" \
  "agent JVM threads" "$(kb Threads)"
echo "guest boot timeline (guest clock, since kernel start; starttime in ticks / CLK_TCK $hz)"
printf '  %-48s %s\n' "/init started (PID 1 starttime)" "$(sec "$pid1")" \
  "agent JVM started (launcher's main thread)" "$(sec "$jvm_main")" \
  "agent listening (serial:/vsock: thread started)" "$(sec "$listening")" \
  "container process started" "$(sec "$container")" \
  "  of which JVM start to agent listening" "$(sec $(( listening - jvm_main )))" \
  "  of which agent listening to container start" "$(sec $(( container - listening )))" \
  "/proc/uptime in the container (upper bound)" "$(awk '$1 == "uptime" {print $2}' "$out") s"

echo ">> $runs × kata-runtime run ... true" >&2
make_bundle "$tmp/true" true
: >"$tmp/phases"
for i in $(seq "$runs"); do
  kata_run "bench-fp-$$-$i" "$tmp/true" "$tmp/true.out" "$config" >>"$tmp/phases"
  echo ">>   run $i: $(tail -1 "$tmp/phases" | cut -d' ' -f1) ms" >&2
done
vm=$(grep -o -- '-smp [0-9]* -m [0-9]*M' "$tmp/true.out.log" | head -1 || true)
echo "host: kata-runtime run ... true, median of $runs (ms)"
print_kata_phases "$tmp/phases"
echo "(host: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $(grep -o 'QEMU [0-9.]* runs as pid [0-9]* ([^)]*)' "$tmp/true.out.log" | sed 's/runs as pid [0-9]* //') $vm)"
