package io.katacontainers.runtime.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.katacontainers.agent.proto.types.IPFamily;
import io.katacontainers.ffm.netlink.Inet;
import io.katacontainers.ffm.netlink.Link;
import io.katacontainers.ffm.netlink.RouteSocket;
import io.katacontainers.ffm.netlink.TcObject;
import io.katacontainers.runtime.resource.Resource;
import io.katacontainers.runtime.resource.ResourceLedger;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The host side of pod networking against the real kernel, as root, in a network namespace the test creates with
 * a veth pair (the pod's end dual stack, with a default route and a permanent neighbour), as a CNI plugin leaves
 * it. No VM: the tap, qdiscs and filters, the agent's requests, and the ledger's teardown.
 */
class PodNetworkTest {
    private static final String NETNS = "net16-unit-" + ProcessHandle.current().pid();
    private static final Path PATH = Path.of("/run/netns", NETNS);

    @TempDir
    Path runDir;

    private static void ip(String... args) throws IOException, InterruptedException {
        List<String> argv = new java.util.ArrayList<>(List.of("ip"));
        argv.addAll(List.of(args));
        Process process = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), "ip " + String.join(" ", args));
        assertEquals(0, process.exitValue(), "ip " + String.join(" ", args) + ": " + output);
    }

    @BeforeEach
    void podNamespace() throws Exception {
        ip("netns", "add", NETNS);
        ip("-n", NETNS, "link", "add", "eth0", "mtu", "1400", "address", "02:16:00:00:00:02", "type", "veth",
                "peer", "name", "peer0");
        ip("-n", NETNS, "link", "set", "eth0", "up");
        ip("-n", NETNS, "link", "set", "peer0", "up");
        ip("-n", NETNS, "addr", "add", "10.16.9.2/24", "dev", "eth0");
        ip("-n", NETNS, "addr", "add", "fd16:9::2/64", "dev", "eth0", "nodad");
        ip("-n", NETNS, "route", "add", "default", "via", "10.16.9.1", "dev", "eth0");
        ip("-n", NETNS, "neigh", "add", "10.16.9.1", "lladdr", "02:16:00:00:00:01", "dev", "eth0", "nud",
                "permanent");
    }

    @AfterEach
    void removeNamespace() throws Exception {
        ip("netns", "del", NETNS);
    }

    private static <T> T inPod(NetnsThread.Work<T> work) throws Exception {
        return NetnsThread.call(PATH, "test", work);
    }

    @Test
    void eachVethGetsATapWiredByTcFilterAndTheLedgerRemovesItAll() throws Exception {
        ResourceLedger ledger = ResourceLedger.of(runDir);
        try (PodNetwork network = PodNetwork.attach(PATH, PodNetwork.Model.TCFILTER, ledger)) {
            assertEquals(1, network.endpoints().size());
            var device = network.devices().getFirst();
            assertEquals("02:16:00:00:00:02", device.mac());
            assertEquals(1400, device.mtu());
            assertEquals(List.of(new Resource.NetworkEndpoint(PATH, "eth0", "tap0_kata")), ledger.attached());
            assertEquals(List.of(new Resource.NetworkEndpoint(PATH, "eth0", "tap0_kata")),
                    ResourceLedger.of(runDir).attached(), "recorded on disk");

            inPod(() -> {
                try (RouteSocket rtnl = RouteSocket.open()) {
                    Link tap = rtnl.link("tap0_kata").orElseThrow();
                    Link veth = rtnl.link("eth0").orElseThrow();
                    assertEquals(1400, tap.mtu());
                    assertTrue(tap.isUp());
                    List<TcObject> qdiscs = rtnl.qdiscs();
                    for (Link link : List.of(tap, veth)) {
                        assertTrue(qdiscs.stream().anyMatch(q -> q.index() == link.index()
                                && q.kind().equals("ingress")), qdiscs.toString());
                        assertTrue(rtnl.ingressFilters(link.index()).stream().anyMatch(f -> f.kind().equals("u32")));
                    }
                }
                return null;
            });

            var nic = network.interfaces().getFirst();
            assertEquals("eth0", nic.getName());
            assertEquals("02:16:00:00:00:02", nic.getHwAddr());
            assertEquals(List.of("10.16.9.2/24", "fd16:9:0:0:0:0:0:2/64"), nic.getIPAddressesList().stream()
                    .filter(a -> !a.getAddress().startsWith("fe80"))
                    .map(a -> a.getAddress() + "/" + a.getMask()).sorted().toList());
            var routes = network.routes();
            assertTrue(routes.stream().anyMatch(r -> r.getDest().isEmpty() && r.getGateway().equals("10.16.9.1")
                    && r.getDevice().equals("eth0") && r.getFamily() == IPFamily.v4), routes.toString());
            assertFalse(routes.stream().anyMatch(r -> r.getDest().startsWith("fe80")), routes.toString());
            assertFalse(routes.stream().anyMatch(r -> r.getDest().equals("10.16.9.0/24")),
                    "the guest makes its address's own route: " + routes);
            assertEquals(List.of("10.16.9.1 02:16:00:00:00:01"), network.neighbors().stream()
                    .map(n -> n.getToIPAddress().getAddress() + " " + n.getLladdr()).toList());
        }

        ResourceLedger.of(runDir).detachAll();
        inPod(() -> {
            try (RouteSocket rtnl = RouteSocket.open()) {
                assertTrue(rtnl.link("tap0_kata").isEmpty());
                int veth = rtnl.link("eth0").orElseThrow().index();
                assertFalse(rtnl.qdiscs().stream().anyMatch(q -> q.index() == veth && q.kind().equals("ingress")));
                assertTrue(rtnl.addresses(Inet.AF_INET).stream().anyMatch(a -> a.index() == veth),
                        "the pod's own configuration is untouched");
            }
            return null;
        });
        assertEquals(List.of(), ResourceLedger.of(runDir).attached());
    }

    @Test
    void theNoneModelMakesOnlyTheTap() throws Exception {
        ResourceLedger ledger = ResourceLedger.of(runDir);
        try (PodNetwork network = PodNetwork.attach(PATH, PodNetwork.Model.NONE, ledger)) {
            assertEquals(1, network.devices().size());
            inPod(() -> {
                try (RouteSocket rtnl = RouteSocket.open()) {
                    assertTrue(rtnl.link("tap0_kata").isPresent());
                    assertFalse(rtnl.qdiscs().stream().anyMatch(q -> q.kind().equals("ingress")));
                }
                return null;
            });
        }
        ledger.detachAll();
    }

    @Test
    void aTeardownAfterACrashFindsTheTapByItsLedgerLine() throws Exception {
        ResourceLedger ledger = ResourceLedger.of(runDir);
        PodNetwork network = PodNetwork.attach(PATH, PodNetwork.Model.TCFILTER, ledger);
        String line = Files.readString(runDir.resolve(ResourceLedger.FILE)).strip();
        assertEquals("network eth0 tap0_kata " + PATH, line);
        assertEquals(new Resource.NetworkEndpoint(PATH, "eth0", "tap0_kata"), Resource.parse(line));
        Resource.parse(line).teardown();
        Resource.parse(line).teardown(); // idempotent
        network.close();
        ip("netns", "del", NETNS);
        Resource.parse(line).teardown(); // the namespace is gone: nothing to do
        ip("netns", "add", NETNS); // for @AfterEach
    }

    @Test
    void aMissingNamespaceIsNamedAndTheModelsAreChecked() throws Exception {
        Path missing = Path.of("/run/netns", NETNS + "-missing");
        IOException e = assertThrows(IOException.class,
                () -> PodNetwork.attach(missing, PodNetwork.Model.TCFILTER, ResourceLedger.of(runDir)));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
        assertEquals(List.of(), ResourceLedger.of(runDir).attached());
        IOException macvtap = assertThrows(IOException.class, () -> PodNetwork.Model.of("macvtap"));
        assertTrue(macvtap.getMessage().contains("macvtap"), macvtap.getMessage());
        assertEquals(PodNetwork.Model.NONE, PodNetwork.Model.of("none"));
    }

    /**
     * CRI's StopPodSandbox removes the pod's namespace while a crashed shim's delete walks the ledger: a path that
     * is gone, or is left as a plain file after the unmount, means the tap and qdiscs went with the namespace.
     */
    @Test
    void anEndpointWhoseNamespaceWentIsTornDownAsDone() throws Exception {
        Path unmounted = Files.writeString(runDir.resolve("cni-unmounted"), "");
        new Resource.NetworkEndpoint(unmounted, "eth0", "tap0_kata").teardown();
        new Resource.NetworkEndpoint(runDir.resolve("cni-removed"), "eth0", "tap0_kata").teardown();
    }
}
