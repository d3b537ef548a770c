package io.katacontainers.benchmarks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.katacontainers.agent.proto.HealthCheckResponse;
import io.katacontainers.benchmarks.agent.AgentContainerBenchmark;
import io.katacontainers.benchmarks.boot.QemuBootBenchmark;
import io.katacontainers.benchmarks.boot.VmmBootBenchmark;
import io.katacontainers.benchmarks.datapath.BlockBenchmark;
import io.katacontainers.benchmarks.datapath.VirtioFsBenchmark;
import io.katacontainers.benchmarks.datapath.VsockRelayBenchmark;
import io.katacontainers.benchmarks.support.BuiltTree;
import io.katacontainers.benchmarks.ttrpc.TtrpcRoundTripBenchmark;
import io.katacontainers.hypervisor.kvm.devices.virtio.fs.FuseRoundTrip;
import io.katacontainers.hypervisor.kvm.vstate.VcpuExit;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * Every benchmark of the suite runs one operation of each of its methods, set up and torn down as JMH does, and
 * the result is checked here too (the bytes arrived, the guest halted, the reply is right): a benchmark that
 * breaks fails the build instead of reporting a time. Small sizes keep the whole class to a few seconds.
 */
class BenchmarksSmokeTest {
    @Test
    void vsockRelayMovesTheBytesBothWaysAndThePeerToo() throws Exception {
        VsockRelayBenchmark bench = new VsockRelayBenchmark();
        bench.mib = 1;
        bench.rxBuffer = 4096;
        bench.start();
        try {
            byte[] sent = new byte[1 << 20];
            new Random(42).nextBytes(sent);
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(sent);
            assertArrayEquals(digest, bench.hostToGuest(), "host to guest");
            assertArrayEquals(digest, bench.guestToHost(), "guest to host");
            assertArrayEquals(digest, bench.unixSocket(), "unix socket peer");
        } finally {
            bench.stop();
        }
    }

    @Test
    void blockWritesAndReadsReachTheImage() throws Exception {
        BlockBenchmark bench = new BlockBenchmark();
        bench.mib = 1;
        bench.chunkKib = 64;
        bench.start();
        try {
            assertEquals(1 << 20, bench.virtioWrite());
            byte[] chunk = bench.deviceBuffer();
            byte[] image = Files.readAllBytes(bench.image());
            for (int offset = 0; offset < image.length; offset += chunk.length) {
                assertArrayEquals(chunk, Arrays.copyOfRange(image, offset, offset + chunk.length),
                        "chunk at " + offset + " of the image after the device's writes");
            }
            assertEquals(1 << 20, bench.pwrite());
            byte[] lastChunk = Arrays.copyOfRange(Files.readAllBytes(bench.image()), image.length - chunk.length,
                    image.length);
            assertEquals(1 << 20, bench.virtioRead());
            assertArrayEquals(lastChunk, bench.deviceBuffer(), "the device read the image's last chunk");
            assertEquals(1 << 20, bench.pread());
        } finally {
            bench.stop();
        }
    }

    @Test
    void virtioFsAnswersGetattrThroughTheDeviceAndDirectly() throws Exception {
        assumeTrue(Files.isExecutable(FuseRoundTrip.VIRTIOFSD), "no virtiofsd: apt-get install qemu-system-common");
        VirtioFsBenchmark bench = new VirtioFsBenchmark();
        bench.start();
        try {
            assertEquals(0040000, bench.device() & 0170000, "the shared root is a directory, through the device");
            assertEquals(0040000, bench.vhostUser() & 0170000, "and through the direct session");
        } finally {
            bench.stop();
        }
    }

    @Test
    void theTinyGuestWritesItsMarkerAndHaltsUnderTheVmmAndTheBareBindings() throws Exception {
        assumeTrue(Files.exists(Path.of("/dev/kvm")), "no /dev/kvm on this host: the boot benchmarks need one");
        VmmBootBenchmark bench = new VmmBootBenchmark();
        bench.start();
        try {
            assertEquals('K', bench.builtinToPortWrite());
            bench.closeVm();
            assertInstanceOf(VcpuExit.GuestShutdown.class, bench.builtinToHalt());
            bench.closeVm();
            assertNotNull(bench.builtinSetup());
            bench.closeVm();
            assertEquals('K', bench.rawToPortWrite());
            bench.closeVm();
            assertEquals(2, bench.rawToHalt(), "the port write, then the halt");
            bench.closeVm();
            assertNotNull(bench.rawSetup());
            bench.closeVm();
        } finally {
            bench.stop();
        }
    }

    @Test
    void ttrpcRoundTripGetsServing() throws Exception {
        TtrpcRoundTripBenchmark bench = new TtrpcRoundTripBenchmark();
        bench.server = "java";
        bench.start();
        try {
            assertEquals(HealthCheckResponse.ServingStatus.SERVING, bench.healthCheck().getStatus());
        } finally {
            bench.stop();
        }
    }

    @Test
    void qemuBootsOurKernelToInitAndThePayloadToItsMarker() throws Exception {
        for (BuiltTree.Piece piece : List.of(BuiltTree.KERNEL, BuiltTree.TEST_INITRD)) {
            assumeTrue(piece.find().isPresent(), piece.missing());
        }
        QemuBootBenchmark bench = new QemuBootBenchmark();
        bench.start();
        try {
            // One boot of each (a few seconds under TCG): the guest reached /init, the payload ran.
            String init = bench.kernelToInit();
            bench.stopQemu();
            assertTrue(init.matches(QemuBootBenchmark.INIT_MARKER + " uptime=[0-9.]+"), init);
            assertEquals(QemuBootBenchmark.PAYLOAD_MARKER, bench.qemuToPayload());
            bench.stopQemu();
        } finally {
            bench.stop();
        }
    }

    @Test
    void theAgentAndRuncRunTheContainerToItsExitCode() throws Exception {
        assumeTrue(BuiltTree.AGENT_MODULES.find().isPresent(), BuiltTree.AGENT_MODULES.missing());
        AgentContainerBenchmark bench = new AgentContainerBenchmark();
        bench.start();
        try {
            assertEquals(AgentContainerBenchmark.EXIT_CODE, bench.agentRun(), "through the agent");
            try (var left = Files.list(bench.agentStateDir())) {
                assertFalse(left.anyMatch(p -> p.getFileName().toString()
                        .startsWith(AgentContainerBenchmark.AGENT_CONTAINER)), "RemoveContainer removed the bundle");
            }
            assertEquals(AgentContainerBenchmark.EXIT_CODE, bench.runcRun(), "runc run");
        } finally {
            bench.stop();
        }
    }
}
