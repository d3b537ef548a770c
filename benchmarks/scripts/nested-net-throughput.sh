#!/usr/bin/env bash
# TCP throughput through virtio-net on a tap, built-in VMM against QEMU, with real KVM: ONE nested KVM harness run
# (packaging/harness/nested-kvm.sh), so both VMMs see the same L1 host, guest kernel and initrd. In L1 a network
# namespace holds a tap (10.79.0.1/24, MTU 1500) with socat serving MIB MiB on port 5001 and swallowing on 5002;
# the guest (the built tree's kernel, a busybox initrd) is 10.79.0.2 and times, RUNS times each, a fetch of MIB MiB
# (host -> guest) and a send of MIB MiB from tmpfs (guest -> host) with busybox nc. The built-in VMM runs through
# `kata-vmm boot --tap`; QEMU as microvm (KVM) with virtio-net-device on the same tap, vhost-net off (QEMU's own
# user-space device, the built-in VMM's peer) unless --vhost on. Medians per VMM and the ratios builtin / qemu.
# Usage: nested-net-throughput.sh [--mib N] [--runs N] [--vhost on|off] [--json]
# Needs root and make build. Each L2 boot takes 30-120 s under TCG-emulated SVM; expect 5-15 min in all.
set -euo pipefail
usage() { sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; }
mib=16 runs=3 vhost=off json= in_l1=
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --mib) [[ "${2-}" =~ ^[1-9][0-9]*$ ]] || { echo "nested-net-throughput.sh: --mib wants a positive number" >&2; exit 2; }
      mib=$2; shift 2 ;;
    --runs) [[ "${2-}" =~ ^[1-9][0-9]*$ ]] || { echo "nested-net-throughput.sh: --runs wants a positive number" >&2; exit 2; }
      runs=$2; shift 2 ;;
    --vhost) case "${2-}" in on|off) vhost=$2 ;; *) echo "nested-net-throughput.sh: --vhost wants on or off" >&2; exit 2 ;; esac
      shift 2 ;;
    --json) json=1; shift ;;
    --in-l1) in_l1=$2; shift 2 ;; # internal: this script's part inside the harness, writing samples to $2
    *) usage >&2; exit 2 ;;
  esac
done
self=$(basename "$0")
die() { echo "$self: $*" >&2; exit 1; }
root=$(cd "$(dirname "$0")/../.." && pwd)
kernel="$root/build/share/kata-containers/vmlinux.container"
lib="$root/build/lib/kata-java"
[ -f "$kernel" ] && [ -d "$lib/modules" ] || die "$kernel or $lib is missing: run make build first"
[ "$(id -u)" = 0 ] || die "needs root (the nested KVM harness, network namespaces)"

# ---- inside L1: both VMMs, one after the other ----
if [ -n "$in_l1" ]; then
  tmp=$(mktemp -d "/tmp/$self.l1.XXXXXX")
  ns=vnet-bench-$$
  staging=/run/vnet-bench-initrd
  pids=()
  cleanup() {
    set +e
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
    ip netns del "$ns" 2>/dev/null
    rm -rf "$staging" "$tmp"
  }
  trap cleanup EXIT
  cat > "$tmp/init" <<EOF
#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox --install -s /bin
export PATH=/bin
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
now() { cut -d' ' -f1 /proc/uptime; }
since() { awk -v a="\$1" -v b="\$(now)" 'BEGIN { printf "%.3f", b - a }'; }
ip link set lo up
ip link set eth0 up
ip addr add 10.79.0.2/24 dev eth0
ping -c 1 -W 10 10.79.0.1 > /dev/null || echo "vnet-bench: no answer from 10.79.0.1"
dd if=/dev/urandom of=/tmp/out bs=1048576 count=$mib 2>/dev/null
for i in \$(seq $runs); do
  start=\$(now)
  bytes=\$(nc 10.79.0.1 5001 < /dev/null | wc -c)
  echo "vnet-bench: sample rx \$(since "\$start") \$bytes"
  start=\$(now)
  nc 10.79.0.1 5002 < /tmp/out
  echo "vnet-bench: sample tx \$(since "\$start") $((mib << 20))"
done
reboot -f
EOF
  mkdir -p "$staging"/root/{bin,dev,proc,sys,tmp}
  cp "$(command -v busybox)" "$staging/root/bin/busybox"
  install -m 0755 "$tmp/init" "$staging/root/init"
  mknod -m 0600 "$staging/root/dev/console" c 5 1
  (cd "$staging/root" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) > "$tmp/initrd.cpio"
  head -c "${mib}M" /dev/urandom > "$tmp/data"
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  ip -n "$ns" tuntap add dev vnt0 mode tap vnet_hdr
  ip -n "$ns" link set vnt0 mtu 1500 up
  ip -n "$ns" addr add 10.79.0.1/24 dev vnt0
  # -U (second address to first): with fork, each connection opens the file anew (a shared offset would give
  # every connection after the first nothing).
  ip netns exec "$ns" socat -U TCP-LISTEN:5001,bind=10.79.0.1,reuseaddr,fork OPEN:"$tmp/data" &
  pids+=($!)
  ip netns exec "$ns" socat -u TCP-LISTEN:5002,bind=10.79.0.1,reuseaddr,fork OPEN:/dev/null &
  pids+=($!)
  mac=02:00:00:79:00:02
  for vmm in builtin qemu; do
    console="$tmp/console-$vmm.txt"
    echo ">> $vmm: booting the guest" >&2
    if [ "$vmm" = builtin ]; then
      mkdir -p "$tmp/vmm-tmp"
      ip netns exec "$ns" timeout 900 "$lib/jre/bin/java" "@$lib/jvm.args" -Djava.io.tmpdir="$tmp/vmm-tmp" \
        --enable-native-access=io.katacontainers.ffm,io.katacontainers.hypervisor.kvm -p "$lib/modules" \
        -m io.katacontainers.hypervisor.kvm/io.katacontainers.hypervisor.kvm.tool.VmmTool \
        boot --kernel "$kernel" --initrd "$tmp/initrd.cpio" --memory 512 --tap vnt0 --mac "$mac" --mtu 1500 \
        --timeout 880 --json > "$tmp/$vmm.json" 2> "$console" || die "the built-in VMM failed: $(tail -n 20 "$console")"
    else
      ip netns exec "$ns" timeout 900 qemu-system-x86_64 -name vnet-bench -nodefaults -no-user-config -nographic \
        -no-reboot -M microvm,acpi=off -accel kvm -cpu host -smp 1 -m 512M -kernel "$kernel" \
        -initrd "$tmp/initrd.cpio" -append "console=ttyS0 quiet reboot=t panic=-1" -serial "file:$console" \
        -netdev "tap,id=n0,ifname=vnt0,script=no,downscript=no,vnet_hdr=on,vhost=$vhost" \
        -device "virtio-net-device,netdev=n0,mac=$mac,host_mtu=1500" </dev/null || die "QEMU failed"
    fi
    tr -d '\r' < "$console" | sed -n "s/^.*vnet-bench: sample \([a-z]*\) \([0-9.]*\) \([0-9]*\)\$/sample $vmm \1 \2 \3/p" \
      >> "$in_l1"
    n=$(grep -c "^sample $vmm " "$in_l1" || true)
    [ "$n" = $((2 * runs)) ] || die "$vmm: $n of $((2 * runs)) samples; console: $(tail -n 20 "$console")"
  done
  exit 0
fi

# ---- on the host: one harness run, then the medians ----
tmp=$(mktemp -d "/tmp/$self.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
echo ">> one nested KVM harness run: built-in VMM and QEMU (vhost $vhost), $runs x $mib MiB each way" >&2
"$root/packaging/harness/nested-kvm.sh" --timeout 2400 -- "$root/benchmarks/scripts/$self" --mib "$mib" \
  --runs "$runs" --vhost "$vhost" --in-l1 "$tmp/samples" || die "the harness run failed (see above)"
sed 's/^/>> /' "$tmp/samples" >&2
median() { sort -n | awk '{v[NR] = $1} END {if (NR == 0) exit 1; print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
mibps() { awk -v vmm="$1" -v dir="$2" -v mib="$mib" '$1 == "sample" && $2 == vmm && $3 == dir && $5 == mib * 1048576 {print mib / $4}' "$tmp/samples" | median; }
declare -A rate
for vmm in builtin qemu; do
  for dir in rx tx; do
    rate[$vmm.$dir]=$(mibps "$vmm" "$dir") || die "no complete $dir samples of $vmm (a short transfer does not count)"
  done
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
if [ -n "$json" ]; then
  printf '{"mib": %s, "runs": %s, "vhost": "%s", "mib_per_s": {"builtin": {"into_guest": %s, "out_of_guest": %s}, ' \
    "$mib" "$runs" "$vhost" "${rate[builtin.rx]}" "${rate[builtin.tx]}"
  printf '"qemu": {"into_guest": %s, "out_of_guest": %s}}, "ratio_builtin_over_qemu": {"into_guest": %s, "out_of_guest": %s}}\n' \
    "${rate[qemu.rx]}" "${rate[qemu.tx]}" "$(ratio "${rate[builtin.rx]}" "${rate[qemu.rx]}")" \
    "$(ratio "${rate[builtin.tx]}" "${rate[qemu.tx]}")"
  exit 0
fi
echo
echo "virtio-net TCP throughput on a tap, nested KVM (L1: QEMU TCG with emulated SVM), median of $runs x $mib MiB"
row='  %-30s %18s %18s\n'
printf "$row" "VMM" "into guest MiB/s" "out of guest MiB/s"
printf "$row" "builtin (KVM)" "${rate[builtin.rx]}" "${rate[builtin.tx]}"
printf "$row" "qemu microvm (KVM, vhost $vhost)" "${rate[qemu.rx]}" "${rate[qemu.tx]}"
printf "$row" "ratio builtin / qemu" "$(ratio "${rate[builtin.rx]}" "${rate[qemu.rx]}")x" \
  "$(ratio "${rate[builtin.tx]}" "${rate[qemu.tx]}")x"
echo "(host: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); every exit of L2 costs two levels of emulation"
echo " here, so the absolute figures are far below hardware KVM's; the ratios are the figure to read)"
