#!/usr/bin/env bash
# Builds a small OCI bundle (runtime-spec 1.1) with a busybox root filesystem, for the demo and the tests.
# Usage: make-bundle.sh [--terminal] DIR [COMMAND [ARG...]]     (default command: sh)
set -euo pipefail
usage() { sed -n '2,3p' "$0" | sed 's/^# \{0,1\}//'; }
terminal=false
case "${1:-}" in
  -h|--help) usage; exit 0 ;;
  --terminal) terminal=true; shift ;;
esac
[ $# -ge 1 ] || { usage >&2; exit 2; }
dir=$1; shift
[ $# -gt 0 ] || set -- sh
busybox=/bin/busybox
[ -x "$busybox" ] && "$busybox" --list >/dev/null 2>&1 \
  || { echo "make-bundle.sh: no static $busybox: apt-get install busybox-static" >&2; exit 1; }

rootfs="$dir/rootfs"
mkdir -p "$rootfs"/{bin,dev,etc,proc,sys,tmp,root}
cp "$busybox" "$rootfs/bin/busybox"
for applet in $("$busybox" --list); do
  [ -e "$rootfs/bin/$applet" ] || ln -s busybox "$rootfs/bin/$applet"
done
echo "root:x:0:0:root:/root:/bin/sh" > "$rootfs/etc/passwd"
echo "root:x:0:" > "$rootfs/etc/group"

json_string() { local s=${1//\\/\\\\}; s=${s//\"/\\\"}; printf '"%s"' "$s"; }
args=""
for a in "$@"; do args+="${args:+, }$(json_string "$a")"; done

cat > "$dir/config.json" <<JSON
{
  "ociVersion": "1.1.0",
  "process": {
    "terminal": $terminal,
    "user": {"uid": 0, "gid": 0},
    "args": [$args],
    "env": ["PATH=/bin", "TERM=xterm", "HOME=/root"],
    "cwd": "/",
    "noNewPrivileges": true
  },
  "root": {"path": "rootfs", "readonly": false},
  "hostname": "kata",
  "mounts": [
    {"destination": "/proc", "type": "proc", "source": "proc"},
    {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
    {"destination": "/dev/pts", "type": "devpts", "source": "devpts", "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]},
    {"destination": "/dev/shm", "type": "tmpfs", "source": "shm", "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
    {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]},
    {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev", "mode=1777"]}
  ],
  "linux": {
    "namespaces": [{"type": "pid"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}],
    "maskedPaths": ["/proc/kcore", "/proc/keys", "/proc/timer_list"],
    "readonlyPaths": ["/proc/sys", "/proc/sysrq-trigger"]
  }
}
JSON
echo ">> bundle $dir: $* (terminal: $terminal)"
