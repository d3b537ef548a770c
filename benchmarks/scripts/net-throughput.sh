#!/usr/bin/env bash
# TCP throughput over a pod network made by the real CNI bridge plugin (two network namespaces of this script's
# own: the bridge side and the pod): a container of ours (`kata-runtime run`, build/, tcfilter model) against a
# runc container on the same bridge, in the same run. Each container receives MIB MiB from the bridge side and
# sends MIB MiB back, RUNS times; printed: MiB/s per direction (median), and the ratio ours/runc.
# Usage: net-throughput.sh [--runs N] [--mib M]   (default 3 and 256; root; make build first; needs runc, socat,
#   busybox-static and containernetworking-plugins)
set -euo pipefail
usage() { sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; }
runs=3
mib=256
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --runs) runs=$2; shift 2 ;;
    --mib) mib=$2; shift 2 ;;
    *) usage >&2; exit 2 ;;
  esac
done
# shellcheck source=lib/kata-run.sh
. "$(dirname "$0")/lib/kata-run.sh"
require_build
for tool in runc socat busybox nsenter /usr/lib/cni/bridge; do
  command -v "$tool" >/dev/null || die "$tool is missing (see the usage)"
done

net=bench-net-$$
br=/run/netns/$net-br
pod=/run/netns/$net-pod
runc_id=$net-runc
cleanup_net() {
  set +e
  runc delete -f "$runc_id" >/dev/null 2>&1
  ip netns del "$net-pod" 2>/dev/null
  ip netns del "$net-br" 2>/dev/null
  cleanup
}
trap cleanup_net EXIT

ip netns add "$net-br"
ip netns add "$net-pod"
ip -n "$net-br" link set lo up
for ns in "$net-br" "$net-pod"; do
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
done
cat >"$tmp/cni.json" <<JSON
{"cniVersion": "1.0.0", "name": "$net", "type": "bridge", "bridge": "bnet$$", "isGateway": true, "ipMasq": false,
 "ipam": {"type": "host-local", "dataDir": "$tmp/ipam", "ranges": [[{"subnet": "10.16.0.0/24"}]],
          "routes": [{"dst": "0.0.0.0/0"}]}}
JSON
CNI_COMMAND=ADD CNI_NETNS=$pod CNI_IFNAME=eth0 CNI_CONTAINERID=$net CNI_PATH=/usr/lib/cni \
  nsenter --net="$br" /usr/lib/cni/bridge <"$tmp/cni.json" >/dev/null

# The container: per run, receive on 5001 (bridge → pod), then send to the bridge's 5002 (pod → bridge).
script="for i in \$(seq $runs); do echo READY-IN-\$i; nc -l -p 5001 -e sh -c 'cat >/dev/null'; echo READY-OUT-\$i; \
nc 10.16.0.1 5002 -e head -c $((mib * 1024 * 1024)) /dev/zero; done; echo DONE"
make_bundle "$tmp/bundle" sh -c "$script"
python3 - "$tmp/bundle/config.json" "$pod" <<'PY'
import json, sys
config = json.load(open(sys.argv[1]))
config["linux"]["namespaces"].append({"type": "network", "path": sys.argv[2]})
json.dump(config, open(sys.argv[1], "w"), indent=2)
PY

await_line() { # FILE LINE: until the container printed LINE (or ended)
  local i
  for i in $(seq 3000); do
    grep -qx "$1" "$2" 2>/dev/null && return 0
    kill -0 "$3" 2>/dev/null || die "the container ended before '$1': $(grep -v "^\s*$" "$2" | tail -20)"
    sleep 0.1
  done
  die "no '$1' from the container within 300 s"
}

# measure NAME COMMAND...: runs the container, plays the bridge side, prints "in_mibs out_mibs" per run
measure() {
  local name=$1; shift
  local out=$tmp/$name.out i t0 t1
  "$@" </dev/null >"$out" 2>&1 &
  local pid=$!
  [ "$name" = kata ] && kata_pids+=("$pid")
  for i in $(seq "$runs"); do
    # Listening before the container can connect: from its accept to the end of the stream.
    nsenter --net="$br" socat -u TCP-LISTEN:5002,reuseaddr \
      SYSTEM:"date +%s%N >$tmp/t0; cat >/dev/null; date +%s%N >$tmp/t1" &
    local listener=$!
    await_line "READY-IN-$i" "$out" "$pid"
    t0=$(date +%s%N)
    nsenter --net="$br" socat -U TCP:10.16.0.2:5001,retry=100,interval=0.1 \
      SYSTEM:"head -c $((mib * 1024 * 1024)) /dev/zero"
    t1=$(date +%s%N)
    local in=$(( mib * 1000000000 / (t1 - t0 + 1) ))
    wait "$listener" || die "the bridge side's listener failed"
    echo "$in $(( mib * 1000000000 / ($(cat "$tmp/t1") - $(cat "$tmp/t0") + 1) ))"
  done
  wait "$pid" || die "$name failed: $(tail -5 "$out")"
}

echo ">> runc on the bridge (control), $runs x $mib MiB each way" >&2
measure runc runc --root "$tmp/runc" run --bundle "$tmp/bundle" "$runc_id" >"$tmp/runc.mibs"
echo ">> kata-runtime run on the same bridge" >&2
sandbox_ids+=("$net-kata")
measure kata "$kata" run --bundle "$tmp/bundle" "$net-kata" >"$tmp/kata.mibs"

column_median() { awk -v c="$1" '{print $c}' "$2" | median; }
printf '%-22s %12s %12s\n' "MiB/s (median of $runs)" "bridge→pod" "pod→bridge"
for name in runc kata; do
  printf '%-22s %12s %12s\n' "$name" "$(column_median 1 "$tmp/$name.mibs")" "$(column_median 2 "$tmp/$name.mibs")"
done
awk -v ki="$(column_median 1 "$tmp/kata.mibs")" -v ri="$(column_median 1 "$tmp/runc.mibs")" \
    -v ko="$(column_median 2 "$tmp/kata.mibs")" -v ro="$(column_median 2 "$tmp/runc.mibs")" \
    'BEGIN { printf "%-22s %12.3f %12.3f\n", "ratio kata/runc", ki / ri, ko / ro }'
