package io.katacontainers.packaging.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.katacontainers.packaging.Command;
import io.katacontainers.packaging.e2e.Sandboxes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pod network from the real CNI bridge plugin (dual stack), reached by a container in our VM through Kata's
 * tcfilter model: the container sees the pod's IPv4 and IPv6 addresses and routes, pings the bridge's gateway on
 * both families, is pinged from the bridge side, and moves 16 MiB each way over TCP byte-exact, sees the spec's
 * hostname and the resolv.conf the spec mounts (whose lines also become the guest's); afterwards nothing
 * of ours is left in the pod's namespace. runc on the same bundle first proves the set-up. Everything happens in
 * network namespaces this test creates.
 */
class PodNetworkEndToEndTest {
    private static final String NAME = "net16e2e";
    private static final Path RUNC = Path.of("/usr/sbin/runc");

    @TempDir
    static Path work;
    private static CniBridge bridge;

    @BeforeAll
    static void network() throws Exception {
        Sandboxes.requireBuiltTree();
        bridge = CniBridge.create(NAME, work);
    }

    @AfterAll
    static void removeNetwork() throws Exception {
        if (bridge != null) {
            bridge.close();
        }
    }

    @Test
    void runcControlThenKataRuntimeRunGetThePodNetwork() throws Exception {
        Path runcRoot = work.resolve("runc-root");
        String control = PodTraffic.exercise(bridge, List.of(RUNC.toString(), "--root", runcRoot.toString(), "run",
                "--bundle", PodTraffic.bundle(bridge, work.resolve("runc")).toString(), NAME + "-runc"));
        PodTraffic.assertPodNetwork(control);
        PodTraffic.assertHostnameAndDns(control);

        String kata = PodTraffic.exercise(bridge, List.of(Sandboxes.DIST.resolve("bin/kata-runtime").toString(),
                "run", "--bundle", PodTraffic.bundle(bridge, work.resolve("kata")).toString(), NAME + "-kata"));
        PodTraffic.assertPodNetwork(kata);
        PodTraffic.assertHostnameAndDns(kata);
        Sandboxes.assertNothingLeft(NAME + "-kata");
        assertEquals("", bridge.leftoversInPod(), "left in the pod's network namespace");
    }

    @Test
    void aMissingNetworkNamespaceIsNamedAndLeavesNothing() throws Exception {
        Path bundle = Sandboxes.bundleOf(work.resolve("missing"), "true");
        Path config = bundle.resolve("config.json");
        Path missing = Path.of("/run/netns", NAME + "-missing");
        Files.writeString(config, Files.readString(config).replace("\"namespaces\": [",
                "\"namespaces\": [{\"type\": \"network\", \"path\": \"" + missing + "\"}, "));
        Command run = Command.run(work, Map.of(), false, PodTraffic.TIMEOUT, List.of(
                Sandboxes.DIST.resolve("bin/kata-runtime").toString(), "run", "--bundle", bundle.toString(),
                NAME + "-missing"));
        assertTrue(run.exitCode() != 0, run.toString());
        assertTrue(run.stderr().contains(missing.toString()), run.toString());
        Sandboxes.assertNothingLeft(NAME + "-missing");
    }
}
