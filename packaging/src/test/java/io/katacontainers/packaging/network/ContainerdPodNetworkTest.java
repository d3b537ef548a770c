package io.katacontainers.packaging.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.katacontainers.packaging.e2e.Sandboxes;
import io.katacontainers.packaging.shim.PrivateContainerd;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pod network through containerd ({@code ctr run --with-ns network:<path>}, as a CRI plugin hands it over) and
 * {@code containerd-shim-kata-v2}: the same traffic as {@link PodNetworkEndToEndTest}, and after a SIGKILLed shim,
 * containerd's {@code containerd-shim-kata-v2 delete} removes the tap, the qdiscs and the filters.
 */
class ContainerdPodNetworkTest {
    private static final Duration QUICK = Duration.ofSeconds(60);
    private static final String NAME = "net16ctr";

    @TempDir
    static Path work;
    private static CniBridge bridge;
    private static PrivateContainerd containerd;
    private static Path config;
    private final List<String> ids = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        Sandboxes.requireBuiltTree();
        config = Files.writeString(work.resolve("configuration.toml"), Sandboxes.shippedConfigForSlowGuests());
        bridge = CniBridge.create(NAME, work);
        containerd = PrivateContainerd.start(Files.createDirectories(work.resolve("containerd")),
                Sandboxes.DIST.resolve("bin"));
        containerd.importBusybox(Sandboxes.REPO);
    }

    @AfterAll
    static void stop() throws Exception {
        if (containerd != null) {
            containerd.close();
        }
        if (bridge != null) {
            bridge.close();
        }
    }

    @AfterEach
    void removeTasks() throws Exception {
        for (String id : ids.reversed()) {
            containerd.ctr(QUICK, "task", "kill", "-s", "KILL", id);
            containerd.ctr(QUICK, "task", "delete", "--force", id);
            containerd.ctr(QUICK, "container", "delete", id);
        }
    }

    private List<String> run(String id, String... rest) {
        ids.add(id);
        List<String> argv = new ArrayList<>(List.of("run", "--runtime", "io.containerd.kata.v2",
                "--runtime-config-path", config.toString(), "--with-ns", "network:" + bridge.podPath()));
        argv.addAll(List.of(rest));
        return containerd.ctrArgv(argv.toArray(String[]::new));
    }

    @Test
    void aContainerdPodGetsThePodNetworkAndLeavesNothingInIt() throws Exception {
        String id = NAME + "-run";
        String output = PodTraffic.exercise(bridge, run(id, "--rm", PrivateContainerd.IMAGE, id, "sh", "-c",
                PodTraffic.SCRIPT));
        PodTraffic.assertPodNetwork(output);
        Sandboxes.assertNothingLeft(id);
        assertEquals("", bridge.leftoversInPod(), "left in the pod's network namespace");
    }

    @Test
    void aSigkilledShimsDeleteRemovesTheTapAndTheQdiscs() throws Exception {
        String id = NAME + "-killed";
        PrivateContainerd.Result started = PrivateContainerd.run(Path.of("/dev/null"), PodTraffic.TIMEOUT,
                run(id, "-d", PrivateContainerd.IMAGE, id, "sleep", "1000"));
        assertEquals(0, started.exitCode(), started.toString());
        assertFalse(bridge.leftoversInPod().isEmpty(), "the running pod has its tap and qdiscs");
        long shimPid = Long.parseLong(Files.readString(containerd.bundle(id).resolve("shim.pid")).trim());
        assertTrue(ProcessHandle.of(shimPid).orElseThrow().destroyForcibly(), "SIGKILL the shim");
        // containerd sees the connection close and runs 'containerd-shim-kata-v2 delete', which cleans up.
        await("containerd's cleanup", () -> !Files.exists(Path.of("/run/vc/sbs", id)));
        containerd.ctr(QUICK, "task", "delete", id);
        assertEquals(0, containerd.ctr(QUICK, "container", "delete", id).exitCode());
        ids.remove(id);
        Sandboxes.assertNothingLeft(id);
        assertEquals("", bridge.leftoversInPod(), "left in the pod's network namespace");
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(100);
        }
    }
}
