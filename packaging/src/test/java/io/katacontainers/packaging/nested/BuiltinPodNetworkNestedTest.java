package io.katacontainers.packaging.nested;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.katacontainers.packaging.Command;
import io.katacontainers.packaging.network.CniBridge;
import io.katacontainers.packaging.network.PodTraffic;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * The runtime's pod networking on the built-in VMM, on a real KVM (inside the nested KVM harness): in L1, the real
 * CNI bridge plugin wires a pod network namespace (dual stack, in namespaces the test creates), and
 * {@code kata-runtime run} with hypervisor {@code builtin} gets a bundle naming it. The runtime wires the pod's veth
 * to a tap (tcfilter) and hands the tap to the built-in VMM's virtio-net device; the container sees the pod's IPv4
 * and IPv6 addresses and routes, its hostname and the resolv.conf the spec mounts, pings both gateways, is pinged
 * from the bridge side on both families and moves a blob both ways byte-exact. Afterwards nothing of ours is left in
 * the pod's namespace (tap, ingress qdiscs, filters) nor of the sandbox in L1 or on the host. One harness run, one L2
 * boot; the blob is small (the harness is slow: its throughput is the benchmark's job).
 */
@Order(9)
@Isolated
class BuiltinPodNetworkNestedTest {
    private static final Path DIST = NestedKvm.REPO.resolve("build");
    private static final Duration TIMEOUT = Duration.ofSeconds(900);
    private static final int MIB = 4;
    private static final String NAME = "net16n";

    @TempDir
    Path work;

    @Test
    void aContainerInTheBuiltinVmmGetsThePodNetwork() throws Exception {
        NestedKvm.requireHarness();
        assertTrue(Files.isExecutable(Path.of("/usr/lib/cni/bridge")) && Files.isExecutable(Path.of("/usr/lib/cni"
                + "/host-local")), "the CNI bridge and host-local plugins are missing: apt-get install "
                + "containernetworking-plugins");
        String id = NAME + "-ctr";
        Path podNetns = Path.of("/run/netns", NAME + "-pod");
        Path bundle = PodTraffic.bundle(podNetns, Files.createDirectories(work.resolve("pod")));
        Path config = NestedKvm.configuration(DIST, "configuration-builtin.toml", work);
        // The IPAM state lives in L1's own /run (a tmpfs), like the namespaces.
        Files.writeString(work.resolve("cni.json"), """
                {"cniVersion": "1.0.0", "name": "%1$s", "type": "bridge", "bridge": "%1$sbr0", "isGateway": true,
                 "ipMasq": false,
                 "ipam": {"type": "host-local", "dataDir": "/run/%1$s/ipam",
                          "ranges": [[{"subnet": "10.16.0.0/24"}], [{"subnet": "fd16::/64"}]],
                          "routes": [{"dst": "0.0.0.0/0"}, {"dst": "::/0"}]}}
                """.formatted(NAME));
        String script = """
                echo "harness_dir=$NESTED_KVM_DIR"
                work=%1$s
                id=%2$s
                br=%3$s-br
                pod=%3$s-pod
                state=/run/%3$s
                pids=()
                cleanup() {
                  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
                  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
                  ip netns del "$pod" 2>/dev/null || true
                  ip netns del "$br" 2>/dev/null || true
                  rm -rf "$state"
                }
                trap cleanup EXIT
                on_bridge() { nsenter --net="/run/netns/$br" "$@"; }
                mkdir -p "$state"
                ip netns add "$br"
                ip netns add "$pod"
                ip -n "$br" link set lo up
                # No duplicate address detection (the namespaces are ours): IPv6 addresses are usable at once.
                for n in "$br" "$pod"; do
                  ip netns exec "$n" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
                done
                cni_exit=0
                CNI_COMMAND=ADD CNI_NETNS="/run/netns/$pod" CNI_IFNAME=eth0 CNI_CONTAINERID="$id" \\
                  CNI_PATH=/usr/lib/cni on_bridge /usr/lib/cni/bridge < "$work/cni.json" > "$work/cni.out" \\
                  || cni_exit=$?
                echo "cni_exit=$cni_exit"
                [ "$cni_exit" = 0 ] || { cat "$work/cni.out" >&2; exit 1; }
                head -c %4$dM /dev/urandom > "$state/blob"
                echo "blob_sha256=$(sha256sum < "$state/blob" | cut -d' ' -f1)"
                mkfifo "$state/out"
                KATA_CONF_FILE=%5$s build/bin/kata-runtime run --bundle %6$s "$id" > "$state/out" \\
                  2> "$work/stderr" &
                run=$!
                pids+=($run)
                exec 3< "$state/out"
                ready=0
                while IFS= read -r -t 600 line <&3; do
                  printf '%%s\\n' "$line" >> "$work/out"
                  if [ "$line" = READY ]; then ready=1; break; fi
                done || true
                echo "ready=$ready"
                cat <&3 >> "$work/out" &
                drain=$!
                pids+=($drain)
                if [ "$ready" = 1 ]; then
                  for address in %7$s %8$s; do
                    e=0
                    on_bridge busybox ping -c 2 -W 20 "$address" > /dev/null || e=$?
                    echo "bridge_ping_${address//[.:]/_}=$e"
                  done
                  on_bridge timeout 300 socat -u TCP6-LISTEN:5002,reuseaddr,ipv6only=0 CREATE:"$state/back" &
                  receiver=$!
                  pids+=($receiver)
                  start=$EPOCHREALTIME
                  send_exit=0
                  on_bridge timeout 300 socat -u OPEN:"$state/blob" TCP:%7$s:5001,retry=100,interval=0.1 \\
                    || send_exit=$?
                  echo "send_exit=$send_exit"
                  receive_exit=0
                  wait "$receiver" || receive_exit=$?
                  echo "receive_exit=$receive_exit"
                  echo "round_trip_seconds=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%%.3f", b - a }')"
                  echo "back_bytes=$(stat -c %%s "$state/back" 2>/dev/null || echo 0)"
                  echo "back_sha256=$(sha256sum < "$state/back" | cut -d' ' -f1)"
                  if [ "$send_exit" != 0 ] || [ "$receive_exit" != 0 ]; then kill -TERM "$run" || true; fi
                else
                  kill -TERM "$run" || true
                fi
                run_exit=0
                wait "$run" || run_exit=$?
                echo "run_exit=$run_exit"
                wait "$drain" || true
                echo "leftover_taps=$(ip -n "$pod" -o link show | grep -c _kata || true)"
                echo "leftover_qdiscs=$(tc -n "$pod" qdisc show | grep -c ingress || true)"
                echo "leftover_filters=$(tc -n "$pod" filter show dev eth0 ingress | grep -c . || true)"
                echo "leftover_sandbox_dirs=$(ls -A /run/vc/sbs 2>/dev/null | wc -l)"
                echo "leftover_mounts=$(grep -c -- "vc/sbs/$id" /proc/self/mounts || true)"
                # virtiofsd names the sandbox directory; the brackets keep this script's own text from matching.
                echo "leftover_processes=$(pgrep -f -- "vc/[s]bs/$id" | wc -l || true)"
                ip netns del "$pod"
                ip netns del "$br"
                echo "leftover_netns=$(ip netns list | grep -c -- %3$s || true)"
                """.formatted(NestedKvm.quote(work.toString()), id, NAME, MIB, NestedKvm.quote(config.toString()),
                NestedKvm.quote(bundle.toString()), CniBridge.POD4, CniBridge.POD6);
        Command run = NestedKvm.run(TIMEOUT, script);
        Map<String, String> v = NestedKvm.values(run.stdout());
        String output = Files.exists(work.resolve("out")) ? Files.readString(work.resolve("out")) : "(none)";
        String stderr = Files.exists(work.resolve("stderr")) ? Files.readString(work.resolve("stderr")) : "(none)";
        String report = run + "\ncontainer output:\n" + output + "\nkata-runtime stderr:\n" + stderr;

        assertEquals(0, run.exitCode(), report);
        assertEquals("0", v.get("cni_exit"), report);
        assertEquals("1", v.get("ready"), "the container reached READY: " + report);
        PodTraffic.assertPodNetwork(output, MIB << 20);
        PodTraffic.assertHostnameAndDns(output);
        assertEquals("0", v.get("bridge_ping_10_16_0_2"), "pinged from the bridge (IPv4): " + report);
        assertEquals("0", v.get("bridge_ping_fd16__2"), "pinged from the bridge (IPv6): " + report);
        assertEquals("0", v.get("send_exit"), report);
        assertEquals("0", v.get("receive_exit"), report);
        assertEquals(Integer.toString(MIB << 20), v.get("back_bytes"), report);
        assertEquals(v.get("blob_sha256"), v.get("back_sha256"), MIB + " MiB there and back byte-exact: " + report);
        assertEquals("0", v.get("run_exit"), "the container's exit code: " + report);
        assertEquals("0", v.get("leftover_taps"), "no tap left in the pod's namespace: " + report);
        assertEquals("0", v.get("leftover_qdiscs"), "no ingress qdisc left in the pod's namespace: " + report);
        assertEquals("0", v.get("leftover_filters"), "no filter left on the pod's veth: " + report);
        assertEquals("0", v.get("leftover_sandbox_dirs"), report);
        assertEquals("0", v.get("leftover_mounts"), report);
        assertEquals("0", v.get("leftover_processes"), report);
        assertEquals("0", v.get("leftover_netns"), report);
        NestedKvm.assertNothingLeft(Path.of(v.get("harness_dir")));
        double seconds = Double.parseDouble(v.get("round_trip_seconds"));
        System.out.printf("built-in VMM pod network (tcfilter), nested KVM: %d MiB to the pod and back in %.3f s "
                + "(%.1f MiB/s over both legs)%n", MIB, seconds, 2 * MIB / seconds);
    }
}
