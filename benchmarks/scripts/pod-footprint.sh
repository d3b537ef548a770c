#!/usr/bin/env bash
# Host memory per idle pod: N busybox pods running `sleep` through a private containerd (Debian's 1.6, `ctr run -d`),
# for each variant of our runtime and for runc's shim, in one run. After the pods have idled SETTLE seconds, every
# process of a pod (its shim and the shim's descendants: the VMM, virtiofsd, ...) is read from /proc/PID/smaps_rollup
# and summed by kind: shim (the JVM holding the VM; runc: containerd-shim-runc-v2), VMM (QEMU; for the built-in VMM
# the shim itself is the VMM), virtiofsd, other (e.g. runc's container process). PSS divides a page shared by k
# processes by k, so N pods sharing a file (the JRE, libjvm, the AOT cache, the guest image) pay it once in total.
# The VMM's guest RAM (its memory backend, memfd) is also shown on its own.
# Usage: pod-footprint.sh [--settle S] [--churn MIB] [--no-runc] [--keep-log DIR] [--variant LABEL [--build DIR]
#          [--config FILE] [--java-opts OPTS]]... N
#   N            pods per variant (run at the same time; default 2)
#   --variant    a kata variant; the options after it are its own (default: one variant "kata" of this worktree's
#                build/ with its shipped configuration.toml). --build: another built tree (e.g. main's, for a
#                before/after); --config: a runtime configuration (e.g. initrd vs image, balloon on/off);
#                --java-opts: KATA_JAVA_OPTS for the variant's shims (added after packaging/jvm/base.args)
#   --settle S   seconds the pods idle before the reading (default 20): the guest finishes booting its services and,
#                with reclaim_guest_freed_memory, reports its free pages
#   --churn MIB  before settling, run in every pod a process that touches MIB MiB and exits (busybox dd with one
#                block of that size): guest memory that the guest frees again (what a balloon can give back)
#   --keep-log DIR  keep containerd's logs and the per-process readings there
# Root; build first (make build).
set -euo pipefail
usage() { sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; }
settle=20 churn=0 runc=true keep=
labels=() builds=() configs=() javaopts=()
n=
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --settle) settle=$2; shift 2 ;;
    --churn) churn=$2; shift 2 ;;
    --no-runc) runc=false; shift ;;
    --keep-log) keep=$2; shift 2 ;;
    --variant) labels+=("$2"); builds+=(""); configs+=(""); javaopts+=(""); shift 2 ;;
    --build|--config|--java-opts)
      [ ${#labels[@]} -gt 0 ] || { labels+=(kata); builds+=(""); configs+=(""); javaopts+=(""); }
      last=$(( ${#labels[@]} - 1 ))
      case "$1" in
        --build) builds[last]=$(realpath "$2") ;;
        --config) configs[last]=$(realpath "$2") ;;
        --java-opts) javaopts[last]=$2 ;;
      esac
      shift 2 ;;
    [0-9]*) n=$1; shift ;;
    *) usage >&2; exit 2 ;;
  esac
done
n=${n:-2}
[ "$n" -ge 1 ] || { usage >&2; exit 2; }
[ ${#labels[@]} -gt 0 ] || { labels=(kata); builds=(""); configs=(""); javaopts=(""); }
# shellcheck source=lib/kata-run.sh
. "$(dirname "$0")/lib/kata-run.sh"
[ "$(id -u)" = 0 ] || die "needs root (containerd, /proc/PID/smaps_rollup of every pod's processes)"
command -v containerd >/dev/null && command -v ctr >/dev/null \
  || die "needs containerd and ctr: apt-get install containerd"
if $runc; then command -v containerd-shim-runc-v2 >/dev/null || die "needs containerd-shim-runc-v2 (containerd)"; fi
for i in "${!labels[@]}"; do
  [ -n "${builds[i]}" ] || builds[i]="$root/build"
  [ -x "${builds[i]}/bin/containerd-shim-kata-v2" ] \
    || die "${builds[i]}/bin/containerd-shim-kata-v2 is missing: run make build first"
  [ -n "${configs[i]}" ] || configs[i]="${builds[i]}/share/defaults/kata-containers/configuration.toml"
  [ -f "${configs[i]}" ] || die "no configuration ${configs[i]}"
done
image=docker.io/library/kata-busybox:footprint
"$root/packaging/bundle/make-image.sh" "$tmp/busybox.tar" "$image" >/dev/null
[ -z "$keep" ] || mkdir -p "$keep"

containerd_pid=
ids=()
stop_pods() {
  local id
  for id in "${ids[@]}"; do
    ctr --address "$tmp/containerd.sock" task kill -s KILL "$id" >/dev/null 2>&1
    ctr --address "$tmp/containerd.sock" task delete --force "$id" >/dev/null 2>&1
    ctr --address "$tmp/containerd.sock" container delete "$id" >/dev/null 2>&1
  done
  ids=()
  if [ -n "$containerd_pid" ]; then
    kill "$containerd_pid" 2>/dev/null; wait "$containerd_pid" 2>/dev/null
    containerd_pid=
  fi
}
stop_all() {
  set +e
  stop_pods
  cleanup
}
trap stop_all EXIT

start_containerd() { # LABEL BUILD JAVA_OPTS: a private containerd whose PATH finds BUILD's shim
  local label=$1 build=$2 opts=$3 dir="$tmp/$1"
  mkdir -p "$dir"
  cat >"$dir/config.toml" <<TOML
version = 2
root = "$dir/root"
state = "$dir/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$tmp/containerd.sock"
TOML
  rm -f "$tmp/containerd.sock"
  PATH="$build/bin:$PATH" KATA_JAVA_OPTS="$opts" containerd --config "$dir/config.toml" \
    >"$dir/containerd.log" 2>&1 &
  containerd_pid=$!
  for _ in $(seq 100); do [ -S "$tmp/containerd.sock" ] && break; sleep 0.1; done
  [ -S "$tmp/containerd.sock" ] || { cat "$dir/containerd.log" >&2; die "containerd ($label) did not start"; }
  ctr --address "$tmp/containerd.sock" image import "$tmp/busybox.tar" >/dev/null
}

start_pod() { # LABEL ID RUNTIME [CONFIG]: a detached pod running sleep; returns once its task runs
  local label=$1 id=$2 runtime=$3 config=${4:-} args=()
  [ -z "$config" ] || args=(--runtime-config-path "$config")
  ids+=("$id")
  [ "$runtime" = io.containerd.runc.v2 ] || sandbox_ids+=("$id")
  ctr --address "$tmp/containerd.sock" run -d --runtime "$runtime" "${args[@]}" "$image" "$id" sleep 100000 \
    </dev/null >"$tmp/$label/run-$id.out" 2>&1 || { cat "$tmp/$label/run-$id.out" >&2; die "ctr run $id failed"; }
  ctr --address "$tmp/containerd.sock" task ls | awk -v id="$id" '$1 == id && $3 == "RUNNING" {ok = 1} END {exit !ok}' \
    || die "the task of $id is not running after ctr run -d"
}

churn_pod() { # ID: a process in the pod that touches CHURN MiB and exits
  ctr --address "$tmp/containerd.sock" task exec --exec-id "churn-$1" "$1" \
    dd if=/dev/zero of=/dev/null bs="${churn}M" count=1 >/dev/null 2>&1 || die "the churn process in $1 failed"
}

descendants() { # PID: PID and every process below it
  local all
  all=$(ps -e -o pid=,ppid=)
  awk -v root="$1" '{parent[$1] = $2} END {
    for (p in parent) { q = p; while (q != "" && q != 0 && q != root) q = parent[q]; if (q == root) print p } }' \
    <<<"$all"
}

kind() { # PID SHIM_PID: the process kind
  local exe
  exe=$(readlink "/proc/$1/exe" 2>/dev/null || true)
  case "$exe" in
    */qemu-system-*) echo vmm ;;
    */virtiofsd*) echo virtiofsd ;;
    *) if [ "$1" = "$2" ]; then echo shim; else echo other; fi ;;
  esac
}

read_pod() { # LABEL ID: one line per process: label id pid kind pss_kib anon_kib file_kib shmem_kib guestram_kib comm
  local label=$1 id=$2 shim pid
  local file="$tmp/$label/state/io.containerd.runtime.v2.task/default/$id/shim.pid" task
  if [ -f "$file" ]; then
    shim=$(cat "$file")
  else # runc's shim writes no shim.pid here: it is the parent of the task's process
    task=$(ctr --address "$tmp/containerd.sock" task ls | awk -v id="$id" '$1 == id {print $2}')
    shim=$(awk '{print $4}' "/proc/$task/stat")
  fi
  for pid in $(descendants "$shim"); do
    [ -r "/proc/$pid/smaps_rollup" ] || continue
    # The memory backend (a memfd) is the guest's RAM; smaps gives its PSS on its own.
    awk -v label="$label" -v id="$id" -v pid="$pid" -v kind="$(kind "$pid" "$shim")" \
        -v comm="$(cat "/proc/$pid/comm" 2>/dev/null)" -v smaps="/proc/$pid/smaps" '
      $1 == "Pss:" {pss = $2} $1 == "Pss_Anon:" {anon = $2} $1 == "Pss_File:" {file = $2}
      $1 == "Pss_Shmem:" {shmem = $2}
      END {
        while ((getline line < smaps) > 0) {
          n = split(line, f, " ")
          if (f[1] ~ /^[0-9a-f]+-[0-9a-f]+$/) inram = (line ~ /\/memfd:/)
          else if (inram && f[1] == "Pss:") ram += f[2]
        }
        printf "%s %s %s %s %d %d %d %d %d %s\n", label, id, pid, kind, pss, anon, file, shmem, ram, comm
      }' "/proc/$pid/smaps_rollup"
  done
}

measure() { # LABEL RUNTIME CONFIG BUILD JAVA_OPTS
  local label=$1 runtime=$2 config=$3 build=$4 opts=$5 i id
  echo ">> $label: containerd, $n pods" >&2
  start_containerd "$label" "$build" "$opts"
  # The configuration with room for slow TCG boots while other pods' VMs run (as monitor-scrape.sh).
  if [ -n "$config" ]; then
    sed -E 's/^dial_timeout = [0-9]+$/dial_timeout = 180/' "$config" >"$tmp/$label/configuration.toml"
    config="$tmp/$label/configuration.toml"
  fi
  for i in $(seq "$n"); do
    id="fp-$$-$label-$i"
    start_pod "$label" "$id" "$runtime" "$config"
    echo ">>   $id running" >&2
  done
  if [ "$churn" -gt 0 ] && [ "$runtime" != io.containerd.runc.v2 ]; then
    for id in "${ids[@]}"; do churn_pod "$id"; done
    echo ">>   $churn MiB touched and freed in each pod" >&2
  fi
  echo ">>   settling ${settle} s" >&2
  sleep "$settle"
  for id in "${ids[@]}"; do read_pod "$label" "$id"; done >>"$tmp/readings"
  [ -z "$keep" ] || cp "$tmp/$label/containerd.log" "$keep/containerd-$label.log"
  stop_pods
}

: >"$tmp/readings"
for i in "${!labels[@]}"; do
  measure "${labels[i]}" io.containerd.kata.v2 "${configs[i]}" "${builds[i]}" "${javaopts[i]}"
done
$runc && measure runc io.containerd.runc.v2 "" "$root/build" ""
[ -z "$keep" ] || cp "$tmp/readings" "$keep/readings"

echo
echo "pod-footprint: $n idle busybox pods (sleep) per variant through containerd $(containerd --version | cut -d' ' -f3)," \
  "QEMU under $(grep -qw -e vmx -e svm /proc/cpuinfo && echo KVM || echo TCG), settled ${settle} s" \
  "$([ "$churn" -gt 0 ] && echo "after ${churn} MiB touched and freed in each guest")"
for i in "${!labels[@]}"; do
  echo "  ${labels[i]}: ${builds[i]}, ${configs[i]}${javaopts[i]:+, KATA_JAVA_OPTS='${javaopts[i]}'}"
done
echo "PSS per pod in MiB (mean over the $n pods); shim = the JVM holding the VM (runc: containerd-shim-runc-v2)"
awk -v n="$n" -v order="${labels[*]}$($runc && echo ' runc')" '
  { key = $1 SUBSEP $4; pss[key] += $5; anon[key] += $6; file[key] += $7; shm[key] += $8; ram[key] += $9
    total[$1] += $5 }
  function mib(kib) { return sprintf("%.1f", kib / 1024 / n) }
  END {
    split(order, labels, " ")
    printf "  %-34s", ""; for (l = 1; l in labels; l++) printf " %12s", labels[l]; printf "\n"
    split("shim vmm virtiofsd other", kinds, " ")
    split("shim (JVM|runc shim),VMM (QEMU),virtiofsd,other", names, ",")
    for (k = 1; k <= 4; k++) {
      printf "  %-34s", names[k]; for (l = 1; l in labels; l++) printf " %12s", mib(pss[labels[l], kinds[k]]); printf "\n"
      if (kinds[k] == "shim") {
        printf "  %-34s", "  of which anon / file"
        for (l = 1; l in labels; l++) printf " %12s", mib(anon[labels[l], "shim"]) "/" mib(file[labels[l], "shim"])
        printf "\n"
      }
      if (kinds[k] == "vmm") {
        printf "  %-34s", "  of which guest RAM (memfd)"
        for (l = 1; l in labels; l++) printf " %12s", mib(ram[labels[l], "vmm"]); printf "\n"
        printf "  %-34s", "  of which anon (TCG cache, heap)"
        for (l = 1; l in labels; l++) printf " %12s", mib(anon[labels[l], "vmm"]); printf "\n"
      }
    }
    printf "  %-34s", "total"; for (l = 1; l in labels; l++) printf " %12s", mib(total[labels[l]]); printf "\n"
  }' "$tmp/readings"
echo "(host: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); per-process readings: label id pid kind pss anon file shmem guestram comm, in KiB${keep:+, in $keep/readings})"
