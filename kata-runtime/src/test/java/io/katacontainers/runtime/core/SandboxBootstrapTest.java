package io.katacontainers.runtime.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.katacontainers.agent.proto.CreateSandboxRequest;
import io.katacontainers.agent.proto.Mount;
import io.katacontainers.agent.proto.Process;
import io.katacontainers.agent.proto.Spec;
import io.katacontainers.api.hypervisor.Device;
import io.katacontainers.errdefs.ErrdefsException;
import io.katacontainers.errdefs.ErrorKind;
import io.katacontainers.runtime.config.ConfigLookup;
import io.katacontainers.runtime.io.ExitWatcher;
import io.katacontainers.runtime.persist.StateStore;
import io.katacontainers.runtime.sandbox.Sandbox;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The container manager on its own: the bootstrap's typed failures and its directory policy, and the process
 * runner's ordering (attach, start, wait, drain) for an init and an exec'd process, against the fake driver.
 */
class SandboxBootstrapTest {
    @TempDir
    Path dir;

    private ConfigLookup config() throws Exception {
        Path file = Files.writeString(dir.resolve("configuration.toml"), "[hypervisor.qemu]\n[agent.kata]\n"
                + "dial_timeout = 5\n");
        return ConfigLookup.forCli(Optional.of(file));
    }

    private static Spec spec(String... args) {
        return Spec.newBuilder().setProcess(Process.newBuilder().addAllArgs(List.of(args)).setCwd("/")).build();
    }

    @Test
    void aMissingDriverIsAFailedPreconditionAndABrokenConfigAnInvalidArgument() throws Exception {
        ErrdefsException noDriver = assertThrows(ErrdefsException.class, () -> SandboxBootstrap.plan("c1",
                spec("true"), config(), new HypervisorDrivers(List.of())));
        assertEquals(ErrorKind.FAILED_PRECONDITION, noDriver.kind());
        Path broken = Files.writeString(dir.resolve("broken.toml"), "[hypervisor.qemu]\ndefault_memory = 1\n");
        ErrdefsException badConfig = assertThrows(ErrdefsException.class, () -> SandboxBootstrap.plan("c1",
                spec("true"), ConfigLookup.forCli(Optional.of(broken)), new HypervisorDrivers(List.of())));
        assertEquals(ErrorKind.INVALID_ARGUMENT, badConfig.kind());
    }

    @Test
    void aTakenIdIsRefusedOrReplacedAsAsked() throws Exception {
        StateStore store = new StateStore(dir.resolve("sbs"));
        SandboxBootstrap bootstrap = SandboxBootstrap.plan("c1", spec("true"), config(),
                new FakeHypervisorDriver(dir.resolve("agent.sock")).drivers());
        assertEquals("c1", bootstrap.hostname(), "no hostname in the spec: the id");
        Path claimed = bootstrap.claimDir(store, SandboxBootstrap.StaleDir.REFUSE);
        Files.writeString(claimed.resolve("left-over"), "x");
        ErrdefsException taken = assertThrows(ErrdefsException.class,
                () -> bootstrap.claimDir(store, SandboxBootstrap.StaleDir.REFUSE));
        assertEquals(ErrorKind.ALREADY_EXISTS, taken.kind());
        assertEquals(claimed, bootstrap.claimDir(store, SandboxBootstrap.StaleDir.REPLACE));
        assertTrue(Files.notExists(claimed.resolve("left-over")), "what the earlier sandbox left is gone");
    }

    @Test
    void theRunnerDrainsAnInitAndAnExecAndCopiesStdin() throws Exception {
        FakeHypervisorDriver driver = new FakeHypervisorDriver(dir.resolve("agent.sock"));
        try (InMemoryAgent agent = InMemoryAgent.serve(dir.resolve("agent.sock"))) {
            SandboxBootstrap bootstrap = SandboxBootstrap.plan("c1", spec("echo", "hello"), config(),
                    driver.drivers());
            Path runDir = bootstrap.claimDir(new StateStore(dir.resolve("sbs")), SandboxBootstrap.StaleDir.REFUSE);
            Files.createDirectories(dir.resolve("rootfs"));
            try (Sandbox sandbox = bootstrap.boot(runDir)) {
                assertEquals(List.of(new Device.Vsock(1024), new Device.SharedFs("kataShared",
                        runDir.resolve("shared"))), driver.devices(), "the bootstrap adds exactly these devices");
                sandbox.createContainer("c1", spec("echo", "hello"), dir.resolve("rootfs"));
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                GuestProcess init = GuestProcess.init(sandbox.agent(), "c1", new GuestProcess.Stdio(false,
                        InputStream.nullInputStream(), out, new ByteArrayOutputStream()));
                init.start();
                assertEquals(new ExitWatcher.End(0, true), init.awaitEnd());
                assertEquals("hello\n", out.toString(StandardCharsets.UTF_8));

                ByteArrayOutputStream echoed = new ByteArrayOutputStream();
                GuestProcess cat = GuestProcess.exec(sandbox.agent(), "c1", "e1",
                        Process.newBuilder().addArgs("cat").build(), new GuestProcess.Stdio(true,
                                new ByteArrayInputStream("typed\n".getBytes(StandardCharsets.UTF_8)), echoed,
                                new ByteArrayOutputStream()));
                assertEquals(new ExitWatcher.End(0, true), cat.awaitEnd(), "stdin's end closes the exec's stdin");
                assertEquals("typed\n", echoed.toString(StandardCharsets.UTF_8));
            }
            assertEquals(1, driver.vmsStopped().get());
        }
    }

    @Test
    void theGuestGetsTheSpecsHostnameAndTheResolvConfItMounts() throws Exception {
        Path resolv = Files.writeString(dir.resolve("resolv.conf"), "nameserver 10.16.0.1\nsearch pod.example\n"
                + "options ndots:5\n");
        Spec spec = spec("echo", "hi").toBuilder().setHostname("net16-host")
                .addMounts(Mount.newBuilder().setDestination("/etc/hosts").setSource("/etc/hosts").setType("bind"))
                .addMounts(Mount.newBuilder().setDestination("/etc/resolv.conf").setSource(resolv.toString())
                        .setType("bind").addOptions("rbind").addOptions("ro"))
                .build();
        FakeHypervisorDriver driver = new FakeHypervisorDriver(dir.resolve("agent.sock"));
        try (InMemoryAgent agent = InMemoryAgent.serve(dir.resolve("agent.sock"))) {
            SandboxBootstrap bootstrap = SandboxBootstrap.plan("c1", spec, config(), driver.drivers());
            Path runDir = bootstrap.claimDir(new StateStore(dir.resolve("sbs")), SandboxBootstrap.StaleDir.REFUSE);
            try (Sandbox sandbox = bootstrap.boot(runDir)) {
                CreateSandboxRequest request = agent.sandboxRequests().getFirst();
                assertEquals("net16-host", request.getHostname());
                assertEquals(List.of("nameserver 10.16.0.1", "search pod.example", "options ndots:5"),
                        request.getDnsList(), "CreateSandbox's dns: the lines of the mounted resolv.conf");
            }
        }
        assertEquals(List.of(), SandboxBootstrap.dns(spec("true")), "no resolv.conf mount: no dns");
    }

    @Test
    void aResolvConfMountThatCannotBeReadIsAnInvalidArgumentNamingTheFile() {
        Path missing = dir.resolve("no-such-resolv.conf");
        Spec spec = spec("true").toBuilder().addMounts(Mount.newBuilder().setDestination("/etc/resolv.conf")
                .setSource(missing.toString()).setType("bind")).build();
        ErrdefsException e = assertThrows(ErrdefsException.class, () -> SandboxBootstrap.dns(spec));
        assertEquals(ErrorKind.INVALID_ARGUMENT, e.kind());
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    }
}
