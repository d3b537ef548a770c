package io.katacontainers.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Empty;
import io.katacontainers.agent.proto.CheckRequest;
import io.katacontainers.agent.proto.CreateSandboxRequest;
import io.katacontainers.agent.proto.GuestDetailsRequest;
import io.katacontainers.agent.proto.GuestDetailsResponse;
import io.katacontainers.agent.proto.ReseedRandomDevRequest;
import io.katacontainers.agent.proto.SetGuestDateTimeRequest;
import io.katacontainers.agent.proto.Storage;
import io.katacontainers.agent.proto.VersionCheckResponse;
import io.katacontainers.ttrpc.CallOptions;
import io.katacontainers.ttrpc.StatusException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sandbox from CreateSandbox to DestroySandbox: storages are attached and used by a container, and
 * DestroySandbox tears everything down and stops a host-mode agent cleanly (exit code 0, the host untouched).
 */
class SandboxEndToEndTest {
    @TempDir
    Path dir;

    @Test
    void sandboxLifecycleEndsWithACleanAgentExit() throws Exception {
        Path rootfs = BusyboxRootfs.create(dir.resolve("rootfs"));
        Path ephemeral = dir.resolve("ephemeral");
        Path local = dir.resolve("local");
        String hostname = Files.readString(Path.of("/proc/sys/kernel/hostname"));
        try (AgentProcess agentProcess = AgentProcess.start(dir)) {
            AgentClient agent = agentProcess.agent();
            var version = agentProcess.client().call("grpc.Health", "Version", CheckRequest.getDefaultInstance(),
                    VersionCheckResponse.parser(), CallOptions.ofTimeout(Duration.ofSeconds(5)));
            assertFalse(version.getAgentVersion().isEmpty());

            agent.createSandbox(CreateSandboxRequest.newBuilder().setSandboxId("sb").setHostname("sandbox-host")
                    .addDns("nameserver 10.0.0.53").addDns("search example.test")
                    .addStorages(Storage.newBuilder().setDriver("ephemeral").setSource("tmpfs").setFstype("tmpfs")
                            .setMountPoint(ephemeral.toString()))
                    .addStorages(Storage.newBuilder().setDriver("local").setSource("local")
                            .setMountPoint(local.toString()).addOptions("mode=0750"))
                    .build());
            assertTrue(MountPoints.contains(ephemeral), "the ephemeral storage is a tmpfs mount");
            assertEquals("rwxr-x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(local)));
            assertEquals("nameserver 10.0.0.53\nsearch example.test\n",
                    Files.readString(agentProcess.stateDir().resolve("sandbox/resolv.conf")));
            assertEquals(hostname, Files.readString(Path.of("/proc/sys/kernel/hostname")),
                    "a host-mode agent leaves the host's name alone");

            var details = agent.call("GetGuestDetails", GuestDetailsRequest.newBuilder().setMemBlockSize(true)
                    .build(), GuestDetailsResponse.parser());
            assertTrue(details.getAgentDetails().getStorageHandlersList().contains("virtio-fs"));
            assertFalse(details.getAgentDetails().getInitDaemon(), "not PID 1 on the host");
            agent.call("SetGuestDateTime", SetGuestDateTimeRequest.newBuilder().setSec(1).build(), Empty.parser());
            assertTrue(System.currentTimeMillis() > 1_700_000_000_000L, "a host-mode agent leaves the clock alone");
            agent.call("ReseedRandomDev", ReseedRandomDevRequest.newBuilder()
                    .setData(com.google.protobuf.ByteString.copyFrom(new byte[512])).build(), Empty.parser());
            assertThrows(StatusException.class, () -> agent.call("ReseedRandomDev",
                    ReseedRandomDevRequest.getDefaultInstance(), Empty.parser()), "no bytes: INVALID_ARGUMENT");

            // A container that uses a sandbox storage, as Kata's volumes do.
            var spec = Specs.withBindMount(Specs.busybox(rootfs, List.of("sh", "-c",
                    "echo from-container > /shared/file; sleep 1000")), local, "/shared");
            agent.createContainer("user", spec, List.of(Storage.newBuilder().setDriver("ephemeral")
                    .setSource("tmpfs").setFstype("tmpfs").setMountPoint(ephemeral.toString()).build()));
            agent.startContainer("user");
            waitFor(() -> Files.exists(local.resolve("file")));
            assertEquals("from-container\n", Files.readString(local.resolve("file"), StandardCharsets.UTF_8));
            assertTrue(Files.isDirectory(agentProcess.stateDir().resolve("user/rootfs/bin")));

            agent.destroySandbox();
            assertEquals(0, agentProcess.awaitExit(Duration.ofSeconds(30)), agentProcess.log());
            assertFalse(MountPoints.contains(ephemeral), "the tmpfs is unmounted");
            assertFalse(MountPoints.contains(agentProcess.stateDir().resolve("user/rootfs")), "rootfs unmounted");
            assertFalse(Files.exists(agentProcess.stateDir().resolve("user")), "the bundle is removed");
            assertFalse(Files.exists(local), "the local storage is removed");
            assertTrue(Files.exists(rootfs.resolve("bin/busybox")), "the container's root itself is untouched");
            assertEquals(List.of(), RuncState.containers(agentProcess.stateDir().resolve(".agent/runtime")));
        }
    }

    private static void waitFor(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 20 s");
            }
            Thread.sleep(20);
        }
    }
}
