#!/usr/bin/env bash
# Boot to agent ready and the VMM's host memory, per hypervisor, with real KVM: everything runs in ONE nested KVM
# harness run (packaging/harness/nested-kvm.sh), so every hypervisor sees the same L1 host, kernel and initrd.
# Per run: `kata-runtime --log-level debug run` of a busybox container that idles. Boot = from the first VMM-setup
# line of the debug log (virtiofsd started, or the built-in VMM's kernel command line) to "agent answered"
# (grpc.Health/Check). Memory, 2 s after the container started: PSS of the VMM (the pid of "sandbox ... ready (VMM
# pid N)": QEMU, or for the built-in VMM the runtime's own JVM, which maps the guest RAM), of the sandbox's
# virtiofsd, and of all its host processes (runtime JVM + VMM + virtiofsd: the comparable total, as the built-in
# VMM lives in the runtime). Medians of RUNS; with two hypervisors, the ratios builtin / qemu.
# Usage: nested-boot.sh [--runs N] [--hypervisor qemu|builtin|both] [--machine microvm|q35] [--json]
#   --runs N          runs per hypervisor (default 5)
#   --hypervisor H    qemu (default), builtin ([hypervisor.builtin], configuration-builtin.toml), or both
#   --machine M       QEMU's machine type (default q35; with microvm the sandbox came up but CreateContainer timed
#                     out, seen once: virtio-fs on virtio-mmio, QEMU 7.2, in L1)
#   --json            print the medians as JSON instead of a table
# Needs root and make build. An L2 guest boots in 30-120 s under TCG-emulated SVM (more on a loaded host): expect
# 1-8 min a run.
set -euo pipefail
usage() { sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; }
runs=5 hypervisors=(qemu) machine=q35 json= in_l1=
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --runs) [[ "${2-}" =~ ^[1-9][0-9]*$ ]] || { echo "nested-boot.sh: --runs wants a positive number" >&2; exit 2; }
      runs=$2; shift 2 ;;
    --hypervisor) case "${2-}" in
        qemu|builtin) hypervisors=("$2") ;;
        both) hypervisors=(builtin qemu) ;;
        *) echo "nested-boot.sh: --hypervisor wants qemu, builtin or both, not '${2-}'" >&2; exit 2 ;;
      esac; shift 2 ;;
    --machine) case "${2-}" in microvm|q35) machine=$2 ;;
        *) echo "nested-boot.sh: --machine wants microvm or q35, not '${2-}'" >&2; exit 2 ;; esac; shift 2 ;;
    --json) json=1; shift ;;
    --in-l1) in_l1=$2; shift 2 ;; # internal: this script's part inside the harness, writing samples to $2
    *) usage >&2; exit 2 ;;
  esac
done
# shellcheck source=lib/kata-run.sh
. "$(dirname "$0")/lib/kata-run.sh"
require_build
defaults="$root/build/share/defaults/kata-containers"
idle_seconds=2

# ---- inside L1: the runs ----
if [ -n "$in_l1" ]; then
  # The container says it runs, then idles until kata-runtime forwards it our SIGTERM.
  make_bundle "$tmp/bundle" sh -c 'trap "exit 0" TERM; echo started; while :; do sleep 1; done'

  pss_kb() { awk '/^Pss:/ {print $2}' "/proc/$1/smaps_rollup" 2>/dev/null || echo 0; }
  for hypervisor in "${hypervisors[@]}"; do
    conf="$tmp/$hypervisor/configuration-$hypervisor.toml"
    mkdir -p "$tmp/$hypervisor/config.d"
    cp "$defaults/configuration-$hypervisor.toml" "$conf"
    # An L2 guest needs more than Kata's 45 s to a ready agent on a loaded host.
    printf '[agent.kata]\ndial_timeout = 300\n' > "$tmp/$hypervisor/config.d/50-nested.toml"
    if [ "$hypervisor" = qemu ] && [ "$machine" = microvm ]; then
      # microvm's devices are virtio-mmio whatever block_device_driver says; nothing is hot plugged on either machine.
      printf '[hypervisor.qemu]\nmachine_type = "microvm"\n' \
        > "$tmp/$hypervisor/config.d/60-microvm.toml"
    fi
    for i in $(seq "$runs"); do
      id="bench-nb-$hypervisor-$$-$i"
      sandbox_ids+=("$id")
      KATA_CONF_FILE="$conf" "$kata" --log-level debug run --bundle "$tmp/bundle" "$id" </dev/null \
        >"$tmp/$id.out" 2>"$tmp/$id.log" &
      kata_pids+=($!)
      vmm_pid=
      while [ -z "$vmm_pid" ]; do
        kill -0 "${kata_pids[-1]}" 2>/dev/null || { tail -n 40 "$tmp/$id.log" >&2; die "$hypervisor run $i ended before its sandbox was ready"; }
        sleep 0.2
        vmm_pid=$(sed -n "s/.*sandbox $id ready (VMM pid \([0-9,]*\)).*/\1/p" "$tmp/$id.log" | tr -d , | head -1)
      done
      until grep -q '^started' "$tmp/$id.out"; do
        kill -0 "${kata_pids[-1]}" 2>/dev/null || { tail -n 40 "$tmp/$id.log" >&2; die "$hypervisor run $i: no container"; }
        sleep 0.2
      done
      sleep "$idle_seconds"
      vmm_pss=$(pss_kb "$vmm_pid")
      virtiofsd_pss=0
      for pid in $(pgrep -f "virtiofsd.*/run/vc/sbs/$id/" || true); do virtiofsd_pss=$((virtiofsd_pss + $(pss_kb "$pid"))); done
      total_pss=$((vmm_pss + virtiofsd_pss))
      # The launcher execs the runtime's JVM; with QEMU it is a process of its own, with the built-in VMM it is N.
      [ "${kata_pids[-1]}" = "$vmm_pid" ] || total_pss=$((total_pss + $(pss_kb "${kata_pids[-1]}")))
      kill -TERM "${kata_pids[-1]}"
      wait "${kata_pids[-1]}" || { tail -n 40 "$tmp/$id.log" >&2; die "$hypervisor run $i failed"; }
      boot_ms=$(python3 - "$tmp/$id.log" <<'PY'
import re, sys
from datetime import datetime
marks = {}
patterns = {"start": r"started .*virtiofsd|kernel command line", "agent": r"agent answered"}
for line in open(sys.argv[1], errors="replace"):
    m = re.match(r"time=(\S+)", line)
    for key, pattern in patterns.items():
        if m and key not in marks and re.search(pattern, line):
            marks[key] = datetime.fromisoformat(m.group(1).replace("Z", "+00:00")).timestamp()
if len(marks) < 2:
    sys.exit("the debug log " + sys.argv[1] + " lacks " + ", ".join(k for k in patterns if k not in marks))
print(round((marks["agent"] - marks["start"]) * 1000))
PY
)
      echo "sample $hypervisor $boot_ms $vmm_pss $virtiofsd_pss $total_pss" >> "$in_l1"
      echo ">>   $hypervisor run $i: boot to agent ready $boot_ms ms, PSS KiB: VMM $vmm_pss, virtiofsd $virtiofsd_pss," \
        "sandbox total $total_pss" >&2
    done
  done
  exit 0
fi

# ---- on the host: one harness run, then the medians ----
args=(--runs "$runs" --machine "$machine" --in-l1 "$tmp/samples")
[ ${#hypervisors[@]} = 1 ] && args+=(--hypervisor "${hypervisors[0]}") || args+=(--hypervisor both)
echo ">> one nested KVM harness run: ${hypervisors[*]}, $runs run(s) each" >&2
"$root/packaging/harness/nested-kvm.sh" --verbose --timeout $((600 + 240 * runs * ${#hypervisors[@]})) \
  -- "$module/scripts/nested-boot.sh" "${args[@]}" 2> >(grep --line-buffered -v '^L1| ' >&2) \
  || die "the harness run failed (see above)"
column() { awk -v h="$1" -v c="$2" '$1 == "sample" && $2 == h {print $c}' "$tmp/samples" | median; }
declare -A boot vmm vfs total
for h in "${hypervisors[@]}"; do
  boot[$h]=$(column "$h" 3) && vmm[$h]=$(column "$h" 4) && vfs[$h]=$(column "$h" 5) && total[$h]=$(column "$h" 6) \
    || die "no samples of $h"
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
if [ -n "$json" ]; then
  printf '{"runs": %s, "machine": "%s", "results": {' "$runs" "$machine"
  sep=
  for h in "${hypervisors[@]}"; do
    printf '%s"%s": {"boot_to_agent_ms": %s, "vmm_pss_kib": %s, "virtiofsd_pss_kib": %s, "sandbox_pss_kib": %s}' \
      "$sep" "$h" "${boot[$h]}" "${vmm[$h]}" "${vfs[$h]}" "${total[$h]}"
    sep=", "
  done
  printf '}'
  [ ${#hypervisors[@]} = 1 ] || printf ', "ratio_builtin_over_qemu": {"boot": %s, "vmm_pss": %s, "sandbox_pss": %s}' \
    "$(ratio "${boot[builtin]}" "${boot[qemu]}")" "$(ratio "${vmm[builtin]}" "${vmm[qemu]}")" \
    "$(ratio "${total[builtin]}" "${total[qemu]}")"
  printf '}\n'
  exit 0
fi
echo
echo "nested KVM (L1: QEMU TCG with emulated SVM), median of $runs run(s) per hypervisor"
row='  %-24s %18s %14s %18s %18s\n'
printf "$row" "hypervisor" "boot to agent ms" "VMM PSS KiB" "virtiofsd PSS KiB" "sandbox PSS KiB"
for h in "${hypervisors[@]}"; do
  name=$h; [ "$h" = qemu ] && name="qemu ($machine, KVM)"; [ "$h" = builtin ] && name="builtin (KVM)"
  printf "$row" "$name" "${boot[$h]}" "${vmm[$h]}" "${vfs[$h]}" "${total[$h]}"
done
if [ ${#hypervisors[@]} = 2 ]; then
  printf "$row" "ratio builtin / qemu" "$(ratio "${boot[builtin]}" "${boot[qemu]}")x" \
    "$(ratio "${vmm[builtin]}" "${vmm[qemu]}")x" "" "$(ratio "${total[builtin]}" "${total[qemu]}")x"
fi
echo "(host: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); L2 exits cost two levels of emulation here,"
echo " so absolute times are far above hardware KVM's; the ratios are the figure to read)"
