#!/bin/sh
# Regenerates the netlink captures the encoding/decoding tests compare against: each command runs under strace in a
# throw-away network namespace and every netlink buffer it sends (">") or receives ("<") is kept as hex, one per line.
# Run as root: sh capture.sh (writes *.hex here). Needs ip, tc, strace.
set -eu
ns=net16capture
dir=$(dirname "$0")
ip netns add $ns
trap 'ip netns del $ns' EXIT
ip -n $ns link add v0 address 02:00:00:00:00:01 type veth peer name v1 address 02:00:00:00:00:02
ip -n $ns tuntap add tap0_kata mode tap
ip -n $ns link set v0 up
ip -n $ns link set v1 up
capture() {
    name=$1; shift
    ip netns exec $ns strace -qq -f -xx -e trace=sendmsg,recvmsg -e write=all -e read=all "$@" 2>&1 >/dev/null \
        | python3 -c '
import re, sys
out, direction, line = [], "", None
for text in sys.stdin:
    if text.startswith(("sendmsg(", "recvmsg(")) or re.match(r"\[pid +[0-9]+\] (sendmsg|recvmsg)\(", text):
        direction = ">" if "sendmsg(" in text else "<"
    elif re.match(r" \* [0-9]+ bytes in buffer", text):
        if line: out.append(line)
        line = direction + " "
    elif re.match(r" \| [0-9a-f]{5}  ", text) and line is not None:
        line += "".join(re.findall(r"[0-9a-f]{2}", text[10:59]))
if line: out.append(line)
print("\n".join(out))
' > "$dir/$name.hex"
}
capture qdisc-ingress tc qdisc add dev v0 handle ffff: ingress
capture filter-mirred tc filter add dev v0 parent ffff: protocol all u32 match u8 0 0 action mirred egress redirect dev tap0_kata
capture addr-add-v4 ip addr add 10.16.0.2/24 dev v0
capture addr-add-v6 ip addr add fd16::2/64 dev v0 nodad
capture route-add-v4 ip route add default via 10.16.0.1 dev v0
capture neigh-add ip neigh add 10.16.0.9 lladdr 02:00:00:00:00:09 dev v0 nud permanent
capture link-dump ip -d link show
capture addr-dump ip addr show
capture route-dump-v4 ip -4 route show
capture route-dump-v6 ip -6 route show
