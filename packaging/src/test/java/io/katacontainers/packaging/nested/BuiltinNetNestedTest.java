package io.katacontainers.packaging.nested;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.katacontainers.packaging.Command;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * The built-in VMM's virtio-net on a real KVM (inside the nested KVM harness): in L1, a network namespace the test
 * creates holds a tap (10.78.0.1/24, MTU 1400); {@code kata-vmm boot --tap} runs the guest kernel with a busybox
 * initrd whose /init configures eth0 as 10.78.0.2, pings the tap's side, fetches 16 MiB from it and sends 16 MiB
 * back over TCP, then waits until L1 has pinged it and said goodbye, and reboots. Checked: the MAC and MTU the
 * device announced, pings both ways, both transfers byte-exact (SHA-256 on each side), a clean VMM exit, and
 * nothing left (namespace, tap, processes, run directory). One harness run, one L2 boot.
 */
@Order(8)
@Isolated
class BuiltinNetNestedTest {
    private static final Path DIST = NestedKvm.REPO.resolve("build");
    private static final Duration TIMEOUT = Duration.ofSeconds(900);
    private static final int MIB = 16;
    private static final String GUEST_MAC = "02:00:00:78:00:02";
    private static final int MTU = 1400;

    /** The guest's /init: busybox sh as PID 1, every result a "vnet-guest: key=value" line on the console. */
    private static final String GUEST_INIT = """
            #!/bin/busybox sh
            /bin/busybox mount -t proc proc /proc
            /bin/busybox --install -s /bin
            export PATH=/bin
            mount -t sysfs sysfs /sys
            mount -t devtmpfs devtmpfs /dev
            mount -t tmpfs tmpfs /tmp
            say() { echo "vnet-guest: $*"; }
            now() { cut -d' ' -f1 /proc/uptime; }
            since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }
            ip link set lo up
            ip link set eth0 up && ip addr add 10.78.0.2/24 dev eth0 || say "eth0_failed=1"
            say "guest_mac=$(cat /sys/class/net/eth0/address)"
            say "guest_mtu=$(cat /sys/class/net/eth0/mtu)"
            status=0
            ping -c 3 -W 10 10.78.0.1 > /tmp/ping || status=$?
            say "guest_ping_exit=$status"
            say "guest_ping_received=$(sed -n 's/.* \\([0-9]*\\) packets received.*/\\1/p' /tmp/ping)"
            start=$(now)
            say "rx_sha256=$(nc 10.78.0.1 5001 < /dev/null | sha256sum | cut -d' ' -f1)"
            say "rx_seconds=$(since "$start")"
            dd if=/dev/urandom of=/tmp/out bs=1048576 count=@MIB@ 2>/dev/null
            say "tx_sha256=$(sha256sum < /tmp/out | cut -d' ' -f1)"
            start=$(now)
            nc 10.78.0.1 5002 < /tmp/out
            say "tx_seconds=$(since "$start")"
            say "bye=$(nc -l -p 5003 < /dev/null)"
            say "done=1"
            reboot -f
            """.replace("@MIB@", Integer.toString(MIB));

    @TempDir
    Path work;

    @Test
    void guestPingsAndMovesDataBothWaysThroughTheTap() throws Exception {
        NestedKvm.requireHarness();
        Path kernel = DIST.resolve("share/kata-containers/vmlinux.container");
        Path lib = DIST.resolve("lib/kata-java");
        assertTrue(Files.isRegularFile(kernel) && Files.isDirectory(lib.resolve("modules")),
                kernel + " and " + lib + " must exist: run 'make build'");
        Files.writeString(work.resolve("init"), GUEST_INIT);
        Files.createDirectories(work.resolve("tmp"));
        String script = """
                echo "harness_dir=$NESTED_KVM_DIR"
                work=%1$s
                ns=vnet-e2e-$$
                staging=/run/vnet-initrd
                pids=()
                cleanup() {
                  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
                  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
                  ip netns del "$ns" 2>/dev/null || true
                  rm -rf "$staging"
                }
                trap cleanup EXIT
                # The guest's initrd, staged in L1's own tmpfs (a device node cannot be made on the shared root).
                mkdir -p "$staging"/root/{bin,dev,proc,sys,tmp}
                cp "$(command -v busybox)" "$staging/root/bin/busybox"
                install -m 0755 "$work/init" "$staging/root/init"
                mknod -m 0600 "$staging/root/dev/console" c 5 1
                (cd "$staging/root" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) \\
                  > "$work/initrd.cpio"
                ip netns add "$ns"
                ip -n "$ns" link set lo up
                ip -n "$ns" tuntap add dev vnt0 mode tap vnet_hdr
                ip -n "$ns" link set vnt0 mtu %4$d up
                ip -n "$ns" addr add 10.78.0.1/24 dev vnt0
                head -c %5$dM /dev/urandom > "$work/h2g.bin"
                echo "h2g_sha256=$(sha256sum < "$work/h2g.bin" | cut -d' ' -f1)"
                ip netns exec "$ns" timeout 600 socat -u OPEN:"$work/h2g.bin" TCP-LISTEN:5001,bind=10.78.0.1,reuseaddr &
                pids+=($!)
                ip netns exec "$ns" timeout 600 socat -u TCP-LISTEN:5002,bind=10.78.0.1,reuseaddr \\
                  CREATE:"$work/g2h.bin" &
                g2h=$!
                pids+=($g2h)
                ip netns exec "$ns" %2$s "@$(dirname %3$s)/jvm.args" -Djava.io.tmpdir="$work/tmp" \\
                  --enable-native-access=io.katacontainers.ffm,io.katacontainers.hypervisor.kvm -p %3$s \\
                  -m io.katacontainers.hypervisor.kvm/io.katacontainers.hypervisor.kvm.tool.VmmTool \\
                  boot --kernel %6$s --initrd "$work/initrd.cpio" --memory 512 --tap vnt0 --mac %7$s --mtu %4$d \\
                  --timeout 600 --json > "$work/vmm.json" 2> "$work/console.txt" &
                vmm=$!
                pids+=($vmm)
                # The guest sends its data last: once it has, ping it and say goodbye.
                g2h_exit=0
                wait "$g2h" || g2h_exit=$?
                echo "g2h_receiver_exit=$g2h_exit"
                echo "g2h_bytes=$(stat -c %%s "$work/g2h.bin" 2>/dev/null || echo 0)"
                echo "g2h_sha256=$(sha256sum < "$work/g2h.bin" | cut -d' ' -f1)"
                host_ping_exit=0
                ip netns exec "$ns" busybox ping -c 3 -W 10 10.78.0.2 > "$work/ping.txt" || host_ping_exit=$?
                echo "host_ping_exit=$host_ping_exit"
                echo "host_ping_received=$(sed -n 's/.* \\([0-9]*\\) packets received.*/\\1/p' "$work/ping.txt")"
                bye_exit=0
                echo bye | ip netns exec "$ns" socat -u - TCP:10.78.0.2:5003,retry=300,interval=0.2 || bye_exit=$?
                echo "bye_exit=$bye_exit"
                vmm_exit=0
                wait "$vmm" || vmm_exit=$?
                echo "vmm_exit=$vmm_exit"
                tr -d '\\r' < "$work/console.txt" | sed -n 's/^.*vnet-guest: \\([a-z_0-9]*=.*\\)$/\\1/p'
                ip -n "$ns" link del vnt0
                ip netns del "$ns"
                echo "leftover_netns=$(ip netns list | grep -c -- "$ns" || true)"
                echo "leftover_run_dirs=$(ls -A "$work/tmp" | wc -l)"
                """.formatted(NestedKvm.quote(work.toString()),
                NestedKvm.quote(lib.resolve("jre/bin/java").toString()),
                NestedKvm.quote(lib.resolve("modules").toString()), MTU, MIB,
                NestedKvm.quote(kernel.toString()), GUEST_MAC);
        Command run = NestedKvm.run(TIMEOUT, script);
        Map<String, String> v = NestedKvm.values(run.stdout());
        String console = Files.exists(work.resolve("console.txt")) ? Files.readString(work.resolve("console.txt"))
                : "(none)";
        String report = run + "\nguest console:\n" + console;

        assertEquals(0, run.exitCode(), report);
        assertEquals(GUEST_MAC, v.get("guest_mac"), "the MAC the device announced: " + report);
        assertEquals(Integer.toString(MTU), v.get("guest_mtu"), "the MTU the device announced: " + report);
        assertEquals("0", v.get("guest_ping_exit"), "the guest pings the tap's side: " + report);
        assertEquals("3", v.get("guest_ping_received"), report);
        assertEquals("0", v.get("host_ping_exit"), "the tap's side pings the guest: " + report);
        assertEquals("3", v.get("host_ping_received"), report);
        assertEquals(v.get("h2g_sha256"), v.get("rx_sha256"), MIB + " MiB into the guest byte-exact: " + report);
        assertEquals(Long.toString((long) MIB << 20), v.get("g2h_bytes"), report);
        assertEquals("0", v.get("g2h_receiver_exit"), report);
        assertEquals(v.get("tx_sha256"), v.get("g2h_sha256"), MIB + " MiB out of the guest byte-exact: " + report);
        assertEquals("0", v.get("bye_exit"), report);
        assertEquals("bye", v.get("bye"), report);
        assertEquals("1", v.get("done"), report);
        assertEquals("0", v.get("vmm_exit"), "the guest's reboot ended the VMM: " + report);
        assertTrue(Files.readString(work.resolve("vmm.json")).contains("\"reached\":true,\"state\":\"STOPPED\""),
                report);
        assertEquals("0", v.get("leftover_netns"), report);
        assertEquals("0", v.get("leftover_run_dirs"), "kata-vmm removed its run directory: " + report);
        NestedKvm.assertNothingLeft(Path.of(v.get("harness_dir")));
        double rx = Double.parseDouble(v.get("rx_seconds"));
        double tx = Double.parseDouble(v.get("tx_seconds"));
        System.out.printf("built-in VMM virtio-net, nested KVM: %d MiB into the guest in %.3f s (%.1f MiB/s), out in "
                + "%.3f s (%.1f MiB/s)%n", MIB, rx, MIB / rx, tx, MIB / tx);
    }
}
