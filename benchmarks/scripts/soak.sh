#!/usr/bin/env bash
# Soak of Kata's seed repro through a private containerd (Debian's 1.6) with our shim: N times a two-container pod
# (a sandbox container and an app container in it, by CRI annotations), an exec that echoes, SIGKILL and delete of
# both; beside it a sentinel pod that runs through the whole soak and gets an exec per iteration (its shim is the
# long-lived JVM). Reports failed iterations, and the growth from after the first iteration (warm-up) to the end of
# containerd's and the sentinel shim's open fds, threads and RSS, and what the pods left on the host: sandbox
# directories, mounts and processes under /run/vc/sbs, shim sockets.
# Usage: soak.sh [N] [--config FILE]   (default N 10; root; build first: make build; containerd and ctr installed)
#   --config: the runtime's configuration (default: the built tree's, with dial_timeout raised for slow guests).
set -euo pipefail
usage() { sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; }
iterations=10
config=
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --config) config=$2; shift 2 ;;
    [0-9]*) iterations=$1; shift ;;
    *) usage >&2; exit 2 ;;
  esac
done
[[ $iterations =~ ^[1-9][0-9]*$ ]] || { echo "soak.sh: N is a positive number, not '$iterations'" >&2; exit 2; }
# shellcheck source=lib/kata-run.sh
. "$(dirname "$0")/lib/kata-run.sh"
require_build
command -v containerd >/dev/null && command -v ctr >/dev/null \
  || die "needs containerd and ctr: apt-get install containerd"
image=docker.io/library/kata-busybox:soak
if [ -z "$config" ]; then
  config="$tmp/configuration.toml"
  sed -E 's/^dial_timeout = [0-9]+$/dial_timeout = 180/' "$root/build/share/defaults/kata-containers/configuration.toml" \
    >"$config"
fi

cat >"$tmp/config.toml" <<TOML
version = 2
root = "$tmp/root"
state = "$tmp/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$tmp/containerd.sock"
TOML
PATH="$root/build/bin:$PATH" containerd --config "$tmp/config.toml" >"$tmp/containerd.log" 2>&1 &
containerd_pid=$!
c=(ctr --address "$tmp/containerd.sock")
stop_containerd() {
  set +e
  local id
  for id in $("${c[@]}" task ls -q 2>/dev/null); do
    "${c[@]}" task kill -s KILL "$id" >/dev/null 2>&1
    "${c[@]}" task delete --force "$id" >/dev/null 2>&1
  done
  for id in $("${c[@]}" container ls -q 2>/dev/null); do "${c[@]}" container delete "$id" >/dev/null 2>&1; done
  kill "$containerd_pid" 2>/dev/null; wait "$containerd_pid" 2>/dev/null
  cleanup
}
trap stop_containerd EXIT
for _ in $(seq 200); do [ -S "$tmp/containerd.sock" ] && break; sleep 0.1; done
[ -S "$tmp/containerd.sock" ] || { cat "$tmp/containerd.log" >&2; die "containerd did not start"; }
"$root/packaging/bundle/make-image.sh" "$tmp/busybox.tar" "$image" >/dev/null
"${c[@]}" image import "$tmp/busybox.tar" >/dev/null

run=("${c[@]}" run -d --runtime io.containerd.kata.v2 --runtime-config-path "$config")
status_of() { "${c[@]}" task ls | awk -v id="$1" '$1 == id {print $3}'; }
await_stopped() { # ID: waits up to 60 s for the task to be STOPPED
  local _
  for _ in $(seq 600); do [ "$(status_of "$1")" = STOPPED ] && return 0; sleep 0.1; done
  return 1
}
# fds threads rss_kib of a pid
usage_of() {
  echo "$(find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)" \
    "$(awk '/^Threads:/ {print $2}' "/proc/$1/status")" "$(awk '/^VmRSS:/ {print $2}' "/proc/$1/status")"
}
leftovers() { # what the loop's pods (not the sentinel) left on the host, one line each
  local prefix="/run/vc/sbs/soak-$$-pod-" d f line
  for d in "$prefix"*; do [ -e "$d" ] && echo "dir $d"; done
  awk -v d="$prefix" 'index($5, d) == 1 {print "mount " $5}' /proc/self/mountinfo
  for f in $(grep -lsF -- "$prefix" /proc/[0-9]*/cmdline); do
    f=${f%/cmdline}
    line=$(tr '\0' ' ' 2>/dev/null <"$f/cmdline" | cut -c1-80)
    # Not the grep that looked (it names the prefix too), nor a process that ended meanwhile.
    case "$line" in ""|grep\ *) continue ;; esac
    echo "process ${f#/proc/} $line"
  done
  return 0
}

sentinel="soak-$$-sentinel"
sandbox_ids+=("$sentinel")
"${run[@]}" "$image" "$sentinel" sleep 100000 </dev/null >/dev/null || die "the sentinel pod did not start"
sentinel_shim=$(cat "$tmp/state/io.containerd.runtime.v2.task/default/$sentinel/shim.pid")

failures=0
: >"$tmp/times"
one_pod() { # I: the seed repro's pod; returns non-zero on the first step that fails
  local pod="soak-$$-pod-$1" app="soak-$$-app-$1" id out
  sandbox_ids+=("$pod")
  "${run[@]}" --annotation io.kubernetes.cri.container-type=sandbox "$image" "$pod" sleep 1000 </dev/null \
    >/dev/null || return 1
  "${run[@]}" --annotation io.kubernetes.cri.container-type=container \
    --annotation "io.kubernetes.cri.sandbox-id=$pod" "$image" "$app" sh -c 'sleep 1000' </dev/null >/dev/null \
    || return 2
  out=$("${c[@]}" task exec --exec-id echo "$app" echo "hello-$1" </dev/null) || return 3
  [ "$out" = "hello-$1" ] || return 4
  out=$("${c[@]}" task exec --exec-id "e$1" "$sentinel" echo "sentinel-$1" </dev/null) || return 5
  [ "$out" = "sentinel-$1" ] || return 6
  for id in "$app" "$pod"; do
    "${c[@]}" task kill -s KILL "$id" >/dev/null || return 7
    await_stopped "$id" || return 8
    "${c[@]}" task delete "$id" >/dev/null || return 9
    "${c[@]}" container delete "$id" >/dev/null || return 10
  done
  return 0
}
# The pod's shim exits after its last container's delete; wait for it before counting what is left.
await_gone() { local _; for _ in $(seq 300); do [ -z "$(leftovers)" ] && return 0; sleep 0.1; done; return 1; }

for i in $(seq "$iterations"); do
  t0=$(now_ms)
  rc=0
  one_pod "$i" || rc=$?
  await_gone || true
  echo $(( $(now_ms) - t0 )) >>"$tmp/times"
  if [ "$rc" != 0 ]; then
    failures=$((failures + 1))
    echo ">> iteration $i: FAILED at step $rc" >&2
    "${c[@]}" task delete --force "soak-$$-app-$i" >/dev/null 2>&1 || true
    "${c[@]}" task delete --force "soak-$$-pod-$i" >/dev/null 2>&1 || true
    "${c[@]}" container delete "soak-$$-app-$i" "soak-$$-pod-$i" >/dev/null 2>&1 || true
  fi
  if [ "$i" = 1 ]; then
    read -r cd_fd0 cd_th0 cd_rss0 <<<"$(usage_of "$containerd_pid")"
    read -r sh_fd0 sh_th0 sh_rss0 <<<"$(usage_of "$sentinel_shim")"
  fi
  echo ">> iteration $i/$iterations: $(tail -1 "$tmp/times") ms, containerd fds/threads/RSS KiB" \
    "$(usage_of "$containerd_pid"), sentinel shim $(usage_of "$sentinel_shim")" >&2
done
read -r cd_fd1 cd_th1 cd_rss1 <<<"$(usage_of "$containerd_pid")"
read -r sh_fd1 sh_th1 sh_rss1 <<<"$(usage_of "$sentinel_shim")"
"${c[@]}" task kill -s KILL "$sentinel" >/dev/null
await_stopped "$sentinel" || die "the sentinel did not stop"
"${c[@]}" task delete "$sentinel" >/dev/null
"${c[@]}" container delete "$sentinel" >/dev/null
await_gone || true
left=$(leftovers)
# containerd 1.6's shim socket of a task: /run/containerd/s/sha256(address/namespace/id).
sockets=0
for id in "$sentinel" $(seq -f "soak-$$-pod-%g" "$iterations"); do
  h=$(printf '%s' "$tmp/containerd.sock/default/$id" | sha256sum | cut -d' ' -f1)
  [ -e "/run/containerd/s/$h" ] && sockets=$((sockets + 1))
done

echo
echo "soak: $iterations two-container pods (+ exec in a sentinel pod) through containerd $(containerd --version \
  | cut -d' ' -f3), QEMU under $(grep -qw -e vmx -e svm /proc/cpuinfo && echo KVM || echo TCG)"
printf '  %-44s %s\n' "failed iterations" "$failures" \
  "iteration time, median / max (ms)" "$(median <"$tmp/times") / $(sort -n "$tmp/times" | tail -1)"
printf '  %-44s %8s %8s %8s\n' "growth after iteration 1 to the end" "fds" "threads" "RSS KiB" \
  "containerd ($cd_fd0 $cd_th0 $cd_rss0 at first)" "$((cd_fd1 - cd_fd0))" "$((cd_th1 - cd_th0))" \
  "$((cd_rss1 - cd_rss0))" \
  "sentinel shim ($sh_fd0 $sh_th0 $sh_rss0 at first)" "$((sh_fd1 - sh_fd0))" "$((sh_th1 - sh_th0))" \
  "$((sh_rss1 - sh_rss0))"
printf '  %-44s %s\n' "left on the host (dirs, mounts, processes)" "${left:-nothing}" \
  "shim sockets left in /run/containerd/s" "$sockets"
echo "(host: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
[ "$failures" = 0 ] && [ -z "$left" ] && [ "$sockets" = 0 ]
