#!/bin/sh
# The process a caller reaps for a container (the pid in --pid-file): start-to-exit time and resident memory of
# the light relay (/bin/sh running ProcessRelay.SCRIPT, its status already waiting on fd 3) against a JVM of the
# installed kata-runtime (`kata-runtime --version`, what the sandbox holder and the exec relay cost to start).
# Usage: benchmarks/scripts/relay-footprint.sh [build-dir]     (default: build)
set -eu
dist=${1:-build}
runs=${RUNS:-20}
script='for s in TERM:15 INT:2 HUP:1 QUIT:3 USR1:10 USR2:12; do trap "g=1; echo ${s#*:} >&4" ${s%:*}; done; while :; do g=; if read -r s <&3; then exit "$s"; fi; [ -n "$g" ] || exit 255; done'
grep -qF 'for s in TERM:15 INT:2 HUP:1 QUIT:3 USR1:10 USR2:12' \
    kata-runtime/src/main/java/io/katacontainers/runtime/launch/ProcessRelay.java \
    || { echo "ProcessRelay.SCRIPT changed: update this script" >&2; exit 1; }
status=$(mktemp); echo 0 > "$status"
elapsed() { # mean wall time in ms of RUNS runs of "$@" (perf stat)
    perf stat -r "$runs" "$@" 2>&1 >/dev/null | awk '/seconds time elapsed/ {printf "%.1f ms (+- %s)\n", $1 * 1000, $3}'
}
rss() { # peak resident set in KiB
    /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1
}
echo "relay (sh) start..exit:         $(elapsed sh -c "$script" kata-relay 3<"$status" 4>/dev/null)"
echo "relay (sh) peak RSS KiB:        $(rss sh -c "$script" kata-relay 3<"$status" 4>/dev/null)"
echo "relay + unshare --net:          $(elapsed unshare --net -- sh -c "$script" kata-relay 3<"$status" 4>/dev/null)"
runs=5
echo "JVM kata-runtime --version:     $(elapsed "$dist/bin/kata-runtime" --version)"
echo "JVM kata-runtime peak RSS KiB:  $(rss "$dist/bin/kata-runtime" --version)"
rm -f "$status"
