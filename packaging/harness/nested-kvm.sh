#!/usr/bin/env bash
# The nested KVM harness: runs COMMAND where a real /dev/kvm (kvm_amd) exists, on hosts without VT-x/SVM.
#
# Usage: nested-kvm.sh [options] [--] COMMAND [ARG...]
#
# Boots a level-1 VM under QEMU TCG with emulated AMD SVM (-accel tcg -cpu max) on our nested kernel
# (build-kernel.sh --variant nested: KVM, KVM_AMD and virtio-fs built in) and a busybox initrd, shares the host's /
# read-write into it through virtiofsd, and runs COMMAND there chrooted in the host's root, in the current
# directory, as root, with the L1 VM's own /proc, /sys (cgroup v2), /dev (its /dev/kvm), /dev/pts, /dev/shm and an
# empty /run, NESTED_KVM_L1=1 and NESTED_KVM_DIR (this run's private directory on the host) set. COMMAND's stdout
# and stderr stream to ours; its stdin is /dev/null; its exit code is ours.
# Environment passed on: PATH HOME USER LANG LC_* TZ TERM TMPDIR JAVA_HOME JAVA_TOOL_OPTIONS MAVEN_OPTS KATA_*,
# plus what --env names.
#
# Options:
#   --cpus N            vCPUs of the L1 VM (default 2)
#   --memory MIB        its memory in MiB (default 4096; allocated only as the guest touches it)
#   --timeout SECONDS   kill the VM and fail with exit code 124 after this long (default 900)
#   --env NAME[=VALUE]  also pass NAME (with our value, or VALUE) to COMMAND; repeatable
#   --kernel FILE       the L1 kernel (bzImage; default: build-kernel.sh --variant nested, cached)
#   --keep-console FILE write the L1 VM's serial console (kernel and init messages) to FILE
#   --verbose           show the L1 console on stderr as it comes, and how long L1 took to reach COMMAND
#   -h, --help          this text
#
# Exit status: COMMAND's, or 124 on timeout, 125 when the harness itself fails (missing tools, the VM did not
# boot: the console's tail is printed), 128+N when a signal N stopped us. QEMU, virtiofsd, sockets and temporary
# files are gone when this returns, on any path (a SIGKILLed harness takes QEMU and virtiofsd with it).
# Needs root (virtiofsd shares /), qemu-system-x86_64, /usr/lib/qemu/virtiofsd, busybox-static, cpio, setpriv.
# Caches: the initrd in $KATA_JAVA_CACHE/harness (default /var/cache/kata-java/harness), the kernel beside it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
packaging=$(dirname "$here")
cache_dir="${KATA_JAVA_CACHE:-/var/cache/kata-java}/harness"
cpus=2 memory=4096 timeout=900 kernel= keep_console= verbose= extra_env=()

die() { echo "nested-kvm.sh: $*" >&2; exit 125; }
note() { [ -z "$verbose" ] || echo "nested-kvm: $*" >&2; }
positive() { [[ "$2" =~ ^[1-9][0-9]*$ ]] || die "$1 wants a positive whole number, not '$2' (see --help)"; }

while [ $# -gt 0 ]; do
  case "$1" in
    --cpus) positive "$1" "${2-}"; cpus=$2; shift 2 ;;
    --memory) positive "$1" "${2-}"; memory=$2; shift 2 ;;
    --timeout) positive "$1" "${2-}"; timeout=$2; shift 2 ;;
    --env) [[ "${2-}" =~ ^[A-Za-z_][A-Za-z0-9_]*(=.*)?$ ]] || die "--env wants NAME or NAME=VALUE, not '${2-}'"
      extra_env+=("$2"); shift 2 ;;
    --kernel) [ -f "${2-}" ] || die "--kernel: '${2-}' is not a file"; kernel=$(realpath "$2"); shift 2 ;;
    --keep-console) [ -n "${2-}" ] || die "--keep-console needs a FILE"; keep_console=$(realpath -m "$2"); shift 2 ;;
    --verbose) verbose=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    --) shift; break ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) break ;;
  esac
done
[ $# -gt 0 ] || die "no COMMAND given (see --help)"
[ "$(id -u)" = 0 ] || die "must run as root: virtiofsd shares the host's / with the VM"
qemu=$(command -v qemu-system-x86_64) || die "qemu-system-x86_64 is missing: apt-get install qemu-system-x86"
virtiofsd=/usr/lib/qemu/virtiofsd
[ -x "$virtiofsd" ] || die "$virtiofsd is missing: apt-get install qemu-system-common"
for tool in cpio setpriv tail; do command -v "$tool" >/dev/null || die "$tool is missing: apt-get install cpio util-linux coreutils"; done
busybox=$(command -v busybox) && { ldd "$busybox" 2>&1 || true; } | grep -q 'not a dynamic executable' \
  || die "no static busybox: apt-get install busybox-static"
grep -qw -e vmx -e svm /proc/cpuinfo && note "this host has hardware virtualization itself; nesting anyway"

# ---- the L1 kernel and initrd (both cached) ----
if [ -z "$kernel" ]; then
  kernel_dir=$("$packaging/guest/kernel/build-kernel.sh" --variant nested | tail -n 1) \
    || die "building the nested kernel failed (see above)"
  kernel="$kernel_dir/bzImage"
fi
initrd_key=$(cat "$here/init" "$busybox" | sha256sum | cut -c1-16)
initrd="$cache_dir/initrd-$initrd_key.cpio"
if [ ! -f "$initrd" ]; then
  mkdir -p "$cache_dir" || die "cannot create $cache_dir: set KATA_JAVA_CACHE to a writable directory"
  staging=$(mktemp -d)
  mkdir -p "$staging"/{bin,dev,proc,sys,host}
  mknod -m 0600 "$staging/dev/console" c 5 1 # init's stdio, before devtmpfs is mounted
  cp "$busybox" "$staging/bin/busybox"
  install -m 0755 "$here/init" "$staging/init"
  (cd "$staging" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) > "$initrd.tmp.$$"
  rm -rf "$staging"
  mv "$initrd.tmp.$$" "$initrd"
fi

# ---- one private directory for this run; ones left by a harness that was SIGKILLed go first ----
for stale in /tmp/nested-kvm.*; do
  owner=${stale#/tmp/nested-kvm.}; owner=${owner%%.*}
  if [[ "$owner" =~ ^[0-9]+$ ]] && ! kill -0 "$owner" 2>/dev/null; then rm -rf "$stale"; fi
done
work=$(mktemp -d "/tmp/nested-kvm.$$.XXXXXX") # /tmp: on the shared root, so L1 sees run.sh at the same path
pids=()
status=125
cleanup() {
  trap - EXIT INT TERM HUP
  exec 2>/dev/null # bash's "Killed" notices about the processes we end here are noise
  local pid
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    # A process that ignores TERM for 2 s gets KILL.
    for _ in {1..20}; do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [ -n "$keep_console" ] && [ -f "$work/console.log" ]; then cp "$work/console.log" "$keep_console" || true; fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'status=130; echo "nested-kvm.sh: interrupted; the VM was killed" >&2; exit' INT
trap 'status=143; echo "nested-kvm.sh: terminated; the VM was killed" >&2; exit' TERM
trap 'status=129; exit' HUP

# ---- what runs in L1: the caller's directory, environment and command ----
{
  printf 'export NESTED_KVM_L1=1 NESTED_KVM_DIR=%q\n' "$work"
  for name in PATH HOME USER LANG TZ TERM TMPDIR JAVA_HOME JAVA_TOOL_OPTIONS MAVEN_OPTS \
    $(compgen -e | grep -E '^(LC_[A-Z]+|KATA_[A-Za-z0-9_]*)$' || true); do
    if [ -n "${!name+set}" ]; then printf 'export %s=%q\n' "$name" "${!name}"; fi
  done
  for assignment in "${extra_env[@]}"; do
    if [[ "$assignment" == *=* ]]; then printf 'export %q\n' "$assignment"
    elif [ -n "${!assignment+set}" ]; then printf 'export %s=%q\n' "$assignment" "${!assignment}"
    fi
  done
  printf 'cd -- %q || { echo "nested-kvm: %s is not reachable in L1" >&2; exit 125; }\n' "$PWD" "$PWD"
  printf 'exec'; printf ' %q' "$@"; printf '\n'
} > "$work/run.sh"
: > "$work/stdout" && : > "$work/stderr" && : > "$work/control" && : > "$work/console.log"

# ---- virtiofsd, then QEMU; both die with us (parent-death signal) even when we are SIGKILLed ----
started=$EPOCHREALTIME
setpriv --pdeathsig KILL "$virtiofsd" --socket-path="$work/virtiofsd.sock" -o source=/ -o cache=auto \
  -o sandbox=chroot -o announce_submounts 2>"$work/virtiofsd.log" &
pids+=($!)
for _ in {1..100}; do [ -S "$work/virtiofsd.sock" ] && break; kill -0 "${pids[0]}" 2>/dev/null || break; sleep 0.05; done
[ -S "$work/virtiofsd.sock" ] || { cat "$work/virtiofsd.log" >&2; die "virtiofsd did not start (see above)"; }

console_args=(quiet)
[ -z "$verbose" ] || console_args=()
# cache=auto, not none: with none, mmap of shared files fails and the JVM crashes in libjimage. File chardevs in
# append mode, not pipes: QEMU hands a port's data to a file before the guest's write returns, so nothing is still
# in flight when L1 powers off right after the command.
setpriv --pdeathsig KILL "$qemu" -name nested-kvm -nodefaults -no-user-config -nographic -no-reboot \
  -M q35 -accel tcg -cpu max -smp "$cpus" -m "${memory}M" \
  -object memory-backend-memfd,id=mem,size="${memory}M",share=on -numa node,memdev=mem \
  -kernel "$kernel" -initrd "$initrd" \
  -append "console=ttyS0 panic=-1 ${console_args[*]} harness.dir=$work" \
  -chardev file,id=console,path="$work/console.log",append=on -serial chardev:console -monitor none \
  -chardev socket,id=hostfs,path="$work/virtiofsd.sock" -device vhost-user-fs-pci,chardev=hostfs,tag=hostfs \
  -device virtio-serial-pci,id=ports \
  -chardev file,id=control,path="$work/control",append=on -device virtserialport,chardev=control,name=control \
  -chardev file,id=stdout,path="$work/stdout",append=on -device virtserialport,chardev=stdout,name=stdout \
  -chardev file,id=stderr,path="$work/stderr",append=on -device virtserialport,chardev=stderr,name=stderr \
  2>"$work/qemu.log" &
qemu_pid=$!
pids+=("$qemu_pid")

# Followers stream the files as QEMU appends; --pid makes each read the rest and end once QEMU is gone.
follow() { tail -c +1 -s 0.1 -f --pid="$qemu_pid" "$1"; }
follow "$work/stdout" &
pids+=($!)
follow "$work/stderr" >&2 &
pids+=($!)
if [ -n "$verbose" ]; then
  follow "$work/console.log" | sed -u 's/^/L1| /' >&2 &
  pids+=($!)
  follow "$work/control" | while read -r event value; do
    [ "$event" = ready ] && note "L1 reached the command after $(awk -v a="$started" -v b="$EPOCHREALTIME" \
      'BEGIN { printf "%.2f", b - a }') s (L1 kernel uptime ${value} s)"
  done &
  pids+=($!)
fi
setpriv --pdeathsig KILL sleep "$timeout" &
watchdog=$!
pids+=("$watchdog")

finished=
wait -n -p finished "$qemu_pid" "$watchdog" || true
if [ "$finished" = "$watchdog" ]; then
  kill -KILL "$qemu_pid" 2>/dev/null || true
  echo "nested-kvm.sh: timed out after $timeout s; the VM was killed. Last console lines:" >&2
  tail -n 20 "$work/console.log" >&2
  status=124
  exit
fi
wait "$qemu_pid" && qemu_status=0 || qemu_status=$?
# Let the followers drain what QEMU wrote last.
for pid in "${pids[@]:2}"; do [ "$pid" = "$watchdog" ] || wait "$pid" 2>/dev/null || true; done
note "the L1 VM ran $(awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }') s in all"

result=$(grep -E '^(exit|error) ' "$work/control" | tail -n 1 || true)
case "$result" in
  "exit "*) status=${result#exit } ;;
  "error "*) echo "nested-kvm.sh: L1 failed: ${result#error }" >&2; tail -n 20 "$work/console.log" >&2 ;;
  *)
    echo "nested-kvm.sh: the L1 VM ended (QEMU exit $qemu_status) before COMMAND finished. QEMU said:" >&2
    tail -n 10 "$work/qemu.log" >&2
    echo "Last console lines:" >&2
    tail -n 20 "$work/console.log" >&2 ;;
esac
exit
