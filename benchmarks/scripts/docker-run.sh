#!/usr/bin/env bash
# Wall time of `docker run --rm busybox true` with kata-runtime as Docker's OCI runtime (daemon.json
# runtimes.kata.path = build/bin/kata-runtime) against runc, interleaved in one run through one private dockerd;
# median of RUNS each and the ratio. The daemon is Debian's docker.io with its own data root, exec root, socket and
# a network namespace of its own (containers run with --network none); nothing of it is left at exit.
# Usage: docker-run.sh [--runs N] [--config FILE]   (default 5; root; build first: make build; docker.io installed)
#   --config: kata-runtime's configuration (default: the built tree's, with dial_timeout raised for slow guests).
set -euo pipefail
usage() { sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; }
runs=5
config=
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --runs) runs=$2; shift 2 ;;
    --config) config=$2; shift 2 ;;
    *) usage >&2; exit 2 ;;
  esac
done
# shellcheck source=lib/kata-run.sh
. "$(dirname "$0")/lib/kata-run.sh"
require_build
docker=/usr/bin/docker
[ -x "$docker" ] && command -v dockerd >/dev/null || die "needs Debian's docker.io (/usr/bin/docker, dockerd)"
command -v runc >/dev/null || die "needs runc"

netns="bench-docker-$$"
image="kata-busybox:bench"
dockerd_pid=
stop_dockerd() {
  set +e
  if [ -n "$dockerd_pid" ] && kill -0 "$dockerd_pid" 2>/dev/null; then
    ids=$(DOCKER_CONFIG="$tmp/client" "$docker" -H "unix://$tmp/docker.sock" ps -aq)
    # shellcheck disable=SC2086
    [ -z "$ids" ] || DOCKER_CONFIG="$tmp/client" "$docker" -H "unix://$tmp/docker.sock" rm -f $ids >/dev/null
    kill -TERM "$dockerd_pid"
    for _ in $(seq 120); do kill -0 "$dockerd_pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$dockerd_pid" 2>/dev/null
  fi
  awk -v d="$tmp/" 'index($5, d) == 1 {print $5}' /proc/self/mountinfo | sort -r | while read -r m; do umount -l "$m"; done
  [ -e "/run/netns/$netns" ] && ip netns del "$netns"
  for h in /sys/fs/cgroup/*/; do
    [ -d "$h$netns" ] || continue
    find "$h$netns" -mindepth 1 -depth -type d -exec rmdir {} + 2>/dev/null
    rmdir "$h$netns"
  done
  cleanup
}
trap stop_dockerd EXIT

if [ -z "$config" ]; then
  config="$tmp/configuration.toml"
  sed -E 's/^dial_timeout = [0-9]+$/dial_timeout = 180/' "$root/build/share/defaults/kata-containers/configuration.toml" \
    >"$config"
fi
cat >"$tmp/daemon.json" <<JSON
{"runtimes": {"kata": {"path": "$kata", "runtimeArgs": ["--config", "$config"]}}, "default-runtime": "runc"}
JSON
ip netns add "$netns"
ip -n "$netns" link set lo up
nsenter --net="/run/netns/$netns" dockerd --config-file "$tmp/daemon.json" --data-root "$tmp/data" \
  --exec-root "$tmp/exec" --pidfile "$tmp/dockerd.pid" -H "unix://$tmp/docker.sock" --iptables=false \
  --ip6tables=false --ip-masq=false --userland-proxy=false --cgroup-parent "/$netns" --storage-driver overlay2 \
  >"$tmp/dockerd.log" 2>&1 &
dockerd_pid=$!
d() { DOCKER_CONFIG="$tmp/client" "$docker" -H "unix://$tmp/docker.sock" "$@"; }
for _ in $(seq 600); do d version >/dev/null 2>&1 && break; kill -0 "$dockerd_pid" || break; sleep 0.1; done
d version >/dev/null 2>&1 || { tail -20 "$tmp/dockerd.log" >&2; die "dockerd did not start"; }

make_bundle "$tmp/bundle" sh
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$tmp/bundle/rootfs" -cf "$tmp/rootfs.tar" .
d import --change 'CMD ["sh"]' --change 'ENV PATH=/bin' "$tmp/rootfs.tar" "$image" >/dev/null

: >"$tmp/kata"; : >"$tmp/runc"
timed_run() { # RUNTIME: one docker run --rm, its wall time in ms on stdout
  local t0
  t0=$(now_ms)
  d run --rm --runtime "$1" --network none "$image" true </dev/null >/dev/null 2>"$tmp/run.err" \
    || { cat "$tmp/run.err" >&2; die "docker run --runtime $1 failed"; }
  echo $(( $(now_ms) - t0 ))
}
for i in $(seq "$runs"); do
  timed_run kata >>"$tmp/kata"
  timed_run runc >>"$tmp/runc"
  echo ">>   run $i: kata $(tail -1 "$tmp/kata") ms, runc $(tail -1 "$tmp/runc") ms" >&2
done

kata_ms=$(median <"$tmp/kata")
runc_ms=$(median <"$tmp/runc")
echo
echo "docker run --rm busybox true, $(d version --format 'Docker {{.Server.Version}}'), median of $runs (ms)"
printf '  %-48s %7s ms\n' "--runtime runc ($(runc --version | head -1 | cut -d' ' -f3))" "$runc_ms" \
  "--runtime kata (kata-runtime, QEMU TCG)" "$kata_ms"
printf '  %-48s %7s\n' "ratio kata / runc" "$(awk -v a="$kata_ms" -v b="$runc_ms" 'BEGIN {printf "%.1fx", a / b}')"
echo "  every run (ms): kata $(tr '\n' ' ' <"$tmp/kata")| runc $(tr '\n' ' ' <"$tmp/runc")"
echo "(host: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
