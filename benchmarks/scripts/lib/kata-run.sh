# Sourced by guest-footprint.sh and run-latency.sh: build checks, a temp dir and a trap that never leaves a VM
# behind, bundles, and `kata-runtime run` timed from outside and split into phases from its debug log.
# shellcheck shell=bash
module=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
root=$(cd "$module/.." && pwd)
kata="$root/build/bin/kata-runtime"
self=$(basename "$0")

die() { echo "$self: $*" >&2; exit 1; }

require_build() {
  local f
  for f in "$kata" "$root/build/share/kata-containers/vmlinux.container" \
           "$root/build/share/kata-containers/kata-containers-initrd.img"; do
    [ -e "$f" ] || die "$f is missing: run make build first"
  done
  [ "$(id -u)" = 0 ] || die "kata-runtime run needs root"
  command -v python3 >/dev/null || die "needs python3 (to read kata-runtime's log)"
}

# A temp dir removed on exit; every kata-runtime started through kata_run is stopped, and any QEMU/virtiofsd of
# our sandboxes that survived it is killed by pid (found through the sandbox's own run directory).
tmp=$(mktemp -d "/tmp/${self%.sh}.XXXXXX")
kata_pids=()
sandbox_ids=()
cleanup() {
  set +e
  local p id proc
  for p in "${kata_pids[@]}"; do
    if kill -0 "$p" 2>/dev/null; then
      echo "$self: stopping kata-runtime $p" >&2
      kill -TERM "$p" 2>/dev/null
      for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$p" 2>/dev/null || break; sleep 0.5; done
      kill -KILL "$p" 2>/dev/null
    fi
  done
  for id in "${sandbox_ids[@]}"; do
    for proc in /proc/[0-9]*; do
      if tr '\0' ' ' 2>/dev/null <"$proc/cmdline" | grep -q -- "/run/vc/sbs/$id/"; then
        echo "$self: killing leftover ${proc#/proc/} of sandbox $id" >&2
        kill -KILL "${proc#/proc/}" 2>/dev/null
      fi
    done
    if [ -d "/run/vc/sbs/$id" ]; then
      awk -v d="/run/vc/sbs/$id/" 'index($2, d) == 1 {print $2}' /proc/self/mounts | sort -r \
        | while read -r m; do umount -l "$m"; done
      rm -rf --one-file-system "/run/vc/sbs/$id"
    fi
  done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# make_bundle DIR [--no-pidns] COMMAND...: a busybox bundle (packaging/bundle/make-bundle.sh)
make_bundle() {
  local dir=$1; shift
  local no_pidns=false
  [ "${1:-}" = --no-pidns ] && { no_pidns=true; shift; }
  "$root/packaging/bundle/make-bundle.sh" "$dir" "$@" >/dev/null
  if $no_pidns; then
    python3 - "$dir/config.json" <<'PY'
import json, sys
path = sys.argv[1]
config = json.load(open(path))
config["linux"]["namespaces"] = [n for n in config["linux"]["namespaces"] if n["type"] != "pid"]
# The agent gives every container a new pid namespace whatever config.json says (GuestSpec), so /proc/1 in the
# container is its own init: the guest's /proc, bind-mounted at /gproc, is how the container sees the agent.
config["mounts"].append({"destination": "/gproc", "type": "bind", "source": "/proc", "options": ["rbind", "ro"]})
json.dump(config, open(path, "w"), indent=2)
PY
  fi
}

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# kata_run ID BUNDLE OUT [CONFIG]: runs `kata-runtime --log-level debug run` (with --config CONFIG if given),
# container stdout in OUT, log in OUT.log; prints "total start boot sandbox container teardown" in ms (phases from
# the log, see phases()).
kata_run() {
  local id=$1 bundle=$2 out=$3 t0 t1 rc=0
  local config=()
  if [ -n "${4:-}" ]; then config=(--config "$4"); fi
  sandbox_ids+=("$id")
  t0=$(now_ms)
  "$kata" "${config[@]}" --log-level debug run --bundle "$bundle" "$id" </dev/null >"$out" 2>"$out.log" &
  kata_pids+=($!)
  wait "${kata_pids[-1]}" || rc=$?
  t1=$(now_ms)
  [ "$rc" = 0 ] || { cat "$out.log" >&2; die "kata-runtime run $id failed (exit $rc)"; }
  phases "$t0" "$t1" "$out.log"
}

# phases T0 T1 LOG: host wall time split by what kata-runtime logs at debug level:
#   start     exec of kata-runtime → virtiofsd started (JVM start, configuration, host checks)
#   boot      QEMU started → agent answered grpc.Health/Check (VM boot to agent ready, incl. dial retries)
#   sandbox   agent ready → "sandbox ... ready" (CreateSandbox: virtio-fs mount in the guest)
#   container sandbox ready → QMP quit (share rootfs, CreateContainer, StartContainer, the process, WaitProcess,
#             DestroySandbox: nothing in between is logged)
#   teardown  QMP quit → kata-runtime exited (VM stop, unmounts, JVM exit)
phases() {
  python3 - "$@" <<'PY'
import re, sys
from datetime import datetime
t0, t1, log = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
marks = {}
patterns = {"virtiofsd": "started virtiofsd", "qemu": "started qemu", "agent": "agent answered",
            "ready": "sandbox .* ready", "quit": '"execute\\\\?":\\\\?"quit'}
for line in open(log, errors="replace"):
    m = re.match(r"time=(\S+)", line)
    if not m:
        continue
    ms = int(datetime.fromisoformat(m.group(1).replace("Z", "+00:00")).timestamp() * 1000)
    for key, pattern in patterns.items():
        if key not in marks and re.search(pattern, line):
            marks[key] = ms
missing = [k for k in patterns if k not in marks]
if missing:
    sys.exit("kata-runtime's debug log lacks " + ", ".join(missing) + " (see " + log + ")")
print(t1 - t0, marks["virtiofsd"] - t0, marks["agent"] - marks["qemu"], marks["ready"] - marks["agent"],
      marks["quit"] - marks["ready"], t1 - marks["quit"])
PY
}

# median: of the numbers on stdin, one per line
median() { sort -n | awk '{a[NR]=$1} END {if (NR == 0) exit 1; print (NR%2 ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2))}'; }

# print_kata_phases FILE: FILE has lines "total start boot sandbox container teardown"; prints each one's median
print_kata_phases() {
  local file=$1 i
  local names=("total" "runtime start (JVM, config)" "VM boot to agent ready" "CreateSandbox" \
               "container create/start/wait + DestroySandbox" "teardown (VM stop, exit)")
  for i in 0 1 2 3 4 5; do
    printf '  %-48s %7s ms\n' "${names[$i]}" "$(cut -d' ' -f$((i + 1)) "$file" | median)"
  done
}
