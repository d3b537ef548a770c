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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Podman 4.3 with conmon and {@code --runtime} = the built tree's kata-runtime (its configuration through
 * {@code --runtime-flag config=FILE}), the way Podman selects a VM runtime; private {@code --root}, {@code --runroot}
 * and {@code --tmpdir}, the cgroupfs manager with a cgroup parent of the test's own, {@code --network=none}. The same
 * steps with runc first, as the control, then with kata: {@code run --rm} (the guest's kernel, the exit code, the
 * sandbox gone), {@code run -t} (a terminal over {@code --console-socket}), {@code run -d}, {@code exec} (exit
 * code and stdout; with {@code -t} on a terminal), {@code logs}, a read-write and a read-only volume,
 * {@code top NAME -ef} (ps in the container), {@code pause}/{@code unpause}, {@code stop} (SIGTERM, then
 * SIGKILL after the timeout), {@code rm}; nothing of a kata container left once removed, nothing of Podman's state
 * after the class.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PodmanEndToEndTest {
    private static final Path PODMAN = Path.of("/usr/bin/podman");
    private static final Path CONMON = Path.of("/usr/bin/conmon");
    private static final Path RUNC = Path.of("/usr/sbin/runc");
    private static final String IMAGE = "localhost/kata-busybox:docker17";
    private static final Duration STEP_TIMEOUT = Duration.ofSeconds(300);
    private static final String NAME = "docker17-podman-" + ProcessHandle.current().pid();
    private static final ClientSteps.Extras STEPS = new ClientSteps.Extras(true, false, false,
            ClientSteps.Top.PS_IN_CONTAINER);

    @TempDir
    static Path work;
    private static Path config;
    private static ClientSteps steps;

    private static Outcome podman(String... args) throws IOException, InterruptedException {
        List<String> argv = new ArrayList<>(List.of(PODMAN.toString(), "--root", work.resolve("root").toString(),
                "--runroot", work.resolve("runroot").toString(), "--tmpdir", work.resolve("tmp").toString(),
                "--cgroup-manager", "cgroupfs", "--events-backend", "file", "--storage-driver", "overlay",
                "--conmon", CONMON.toString()));
        argv.addAll(Arrays.asList(args));
        return Outcome.run(work, Map.of(), STEP_TIMEOUT, argv);
    }

    @BeforeAll
    static void prepare() throws Exception {
        Sandboxes.requireBuiltTree();
        for (Path binary : List.of(PODMAN, CONMON, RUNC)) {
            if (!Files.isExecutable(binary)) {
                throw new AssertionError(binary + " is missing: apt-get install podman conmon runc");
            }
        }
        config = work.resolve("configuration.toml");
        Files.writeString(config, Sandboxes.shippedConfigForSlowGuests());
        Path bundle = Sandboxes.bundleOf(work.resolve("image"), "sh");
        Path tar = work.resolve("image/rootfs.tar");
        Outcome.run(work, Map.of(), STEP_TIMEOUT, List.of("tar", "--sort=name", "--mtime=@0", "--owner=0",
                "--group=0", "--numeric-owner", "-C", bundle.resolve("rootfs").toString(), "-cf", tar.toString(),
                ".")).ok();
        podman("import", "--change", "CMD [\"sh\"]", "--change", "ENV PATH=/bin", tar.toString(), IMAGE).ok();
        steps = new ClientSteps(new ClientSteps.Client() {
            @Override
            public Outcome call(String... args) throws IOException, InterruptedException {
                return podman(args);
            }

            @Override
            public List<String> runOptions(String runtime) {
                List<String> options = new ArrayList<>(runtime.equals(ClientSteps.KATA)
                        ? List.of("--runtime", Sandboxes.DIST.resolve("bin/kata-runtime").toString(),
                                "--runtime-flag", "config=" + config)
                        : List.of("--runtime", RUNC.toString()));
                // This host's hard limits are below Podman's defaults (runc refuses them); the cgroup parent is ours.
                options.addAll(List.of("--log-driver", "k8s-file", "--cgroup-parent",
                        "/" + NAME, "--ulimit", "nofile=20000:20000", "--ulimit", "nproc=4096:4096"));
                return options;
            }

            @Override
            public String image() {
                return IMAGE;
            }
        }, work, NAME);
    }

    /**
     * Removes every container still there, then whatever a failed step left (conmon and sandbox holders naming
     * this directory, kata sandboxes whose bundle is in it, mounts, the cgroup parent), and fails naming it.
     */
    @AfterAll
    static void cleanUp() throws Exception {
        List<String> problems = new ArrayList<>();
        Outcome all = podman("ps", "-aq");
        List<String> ids = all.out().lines().filter(line -> !line.isBlank()).toList();
        if (!ids.isEmpty()) {
            List<String> args = new ArrayList<>(List.of("rm", "-f", "-t", "0"));
            args.addAll(ids);
            Outcome removed = podman(args.toArray(String[]::new));
            problems.add("containers left: " + ids + (removed.exitCode() == 0 ? "" : ", rm -f failed: " + removed));
        }
        List<String> killed = Leftovers.killProcessesNaming(work);
        if (!killed.isEmpty()) {
            problems.add("processes left (killed): " + killed);
        }
        List<String> sandboxes = Leftovers.deleteSandboxesUnder(work);
        if (!sandboxes.isEmpty()) {
            problems.add("kata sandboxes left (deleted): " + sandboxes);
        }
        // Podman's storage unmounts its layers when a command ends: anything still mounted is a leftover.
        List<String> mounts = Leftovers.unmountUnder(work);
        if (!mounts.isEmpty()) {
            problems.add("mounts left (unmounted): " + mounts);
        }
        // Podman keeps conmon in <parent>/conmon: that one is expected; a container's cgroup is a leftover.
        List<String> cgroups = Leftovers.removeCgroupParent(NAME).stream()
                .filter(cgroup -> !cgroup.endsWith("/conmon")).toList();
        if (!cgroups.isEmpty()) {
            problems.add("container cgroups left (removed): " + cgroups);
        }
        assertEquals(List.of(), problems, "Podman's containers in " + work + " did not end cleanly");
    }

    @Test
    @Order(1)
    void runcControl() throws Exception {
        steps.runRm("runc", null);
        steps.terminal("runc");
        steps.detached("runc", STEPS);
    }

    @Test
    @Order(2)
    void kata() throws Exception {
        steps.runRm(ClientSteps.KATA, null);
        steps.terminal(ClientSteps.KATA);
        steps.detached(ClientSteps.KATA, STEPS);
    }
}
