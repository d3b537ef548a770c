package io.katacontainers.packaging.clients;

import io.katacontainers.packaging.e2e.Sandboxes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Docker 20.10 (Debian's docker.io) with kata-runtime as an OCI runtime in runc's place ({@code daemon.json}
 * {@code runtimes.kata.path}), the way Docker selects a VM runtime: one private dockerd for the class, and the same
 * steps with runc first, as the control, then with kata. {@code docker run --rm} prints the kernel (the guest's with
 * kata: not the host's), propagates the exit code and carries 50 MiB of stdout byte-exact, read from a {@code :ro}
 * volume; on the default bridge network the container has the address {@code docker inspect} gives, the spec's
 * namespaced sysctls and pings the gateway; Docker's default seccomp profile is in force (a filter, unshare -U
 * refused; not without it); {@code docker run -t} gives the container a terminal (the pty over
 * {@code --console-socket}); a {@code -d} container with a read-write and a read-only volume takes
 * {@code docker exec} (exit code
 * propagated), {@code logs}, {@code top}, {@code stats --no-stream}, {@code pause}/{@code unpause}, {@code update
 * --memory}, {@code stop} (SIGTERM, then SIGKILL after the timeout) and {@code rm}. Nothing of a kata container is
 * left once it is removed (VM, virtiofsd, mounts, {@code /run/vc/sbs/<id>}), nor of the daemon after the class.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DockerEndToEndTest {
    private static final Duration STEP_TIMEOUT = Duration.ofSeconds(300);
    private static final String NAME = "docker17-e2e-" + ProcessHandle.current().pid();
    private static final ClientSteps.Extras ALL = new ClientSteps.Extras(true, true, true,
            ClientSteps.Top.HOST_PID);

    @TempDir
    static Path work;
    private static PrivateDockerd docker;
    private static ClientSteps steps;
    private static Path blob;

    @BeforeAll
    static void startDockerd() throws Exception {
        Sandboxes.requireBuiltTree();
        Path config = work.resolve("configuration.toml");
        // sandbox_cgroup_only: the holder, the VMM and virtiofsd run in the container's host cgroup, which is where
        // containerd's runc shim reads docker stats (the pid in --pid-file's cgroup).
        String shipped = Sandboxes.shippedConfigForSlowGuests();
        assertTrue(shipped.contains("\nsandbox_cgroup_only = false\n"), "the shipped configuration sets "
                + "sandbox_cgroup_only = false (the test turns it on)");
        Files.writeString(config, shipped.replace("\nsandbox_cgroup_only = false\n", "\nsandbox_cgroup_only = true\n"));
        docker = PrivateDockerd.start(work.resolve("docker"), NAME, Sandboxes.DIST.resolve("bin/kata-runtime"),
                config);
        blob = ClientSteps.stdoutBlob(work.resolve("blobs"));
        steps = new ClientSteps(new ClientSteps.Client() {
            @Override
            public Outcome call(String... args) throws IOException, InterruptedException {
                return docker.docker(STEP_TIMEOUT, args);
            }

            @Override
            public List<String> runOptions(String runtime) {
                return List.of("--runtime", runtime);
            }

            @Override
            public String image() {
                return PrivateDockerd.IMAGE;
            }
        }, work, NAME);
    }

    @AfterAll
    static void stopDockerd() throws Exception {
        if (docker == null) {
            return;
        }
        docker.close();
        assertFalse(Files.exists(Path.of("/run/netns", docker.netns())), "the daemon's network namespace is left");
        assertEquals(List.of(), Leftovers.mountsUnder(work), "mounts left under " + work);
        assertEquals(List.of(), docker.cgroupParents(), "the daemon's cgroup parent is left");
        assertEquals(List.of(), Leftovers.processesNaming(work), "processes of the private dockerd are left");
    }

    @Test
    @Order(1)
    void runcControl() throws Exception {
        steps.runRm("runc", blob);
        steps.terminal("runc");
        steps.detached("runc", ALL);
    }

    @Test
    @Order(2)
    void kata() throws Exception {
        steps.runRm(ClientSteps.KATA, blob);
        steps.terminal(ClientSteps.KATA);
        steps.detached(ClientSteps.KATA, ALL);
    }

    @Test
    @Order(3)
    void bridgeNetwork() throws Exception {
        steps.bridge("runc");
        steps.bridge(ClientSteps.KATA);
    }

    @Test
    @Order(4)
    void seccompProfile() throws Exception {
        steps.seccomp("runc");
        steps.seccomp(ClientSteps.KATA);
    }
}
