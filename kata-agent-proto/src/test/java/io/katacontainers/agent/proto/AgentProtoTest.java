package io.katacontainers.agent.proto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Empty;
import io.katacontainers.ttrpc.CallOptions;
import io.katacontainers.ttrpc.ServiceDefinition;
import io.katacontainers.ttrpc.TtrpcClient;
import io.katacontainers.ttrpc.TtrpcServer;
import io.katacontainers.ttrpc.Transport;
import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The generated agent API keeps Kata's wire names, so Kata's runtime and agent can talk to ours. */
class AgentProtoTest {

    @Test
    void serviceNamesOnTheWireAreKatas() {
        var agent = AgentProto.getDescriptor().findServiceByName("AgentService");
        assertEquals("grpc.AgentService", agent.getFullName());
        var methods = agent.getMethods().stream().map(MethodDescriptor::getName).collect(Collectors.toSet());
        assertTrue(methods.containsAll(Set.of("CreateSandbox", "CreateContainer", "StartContainer", "ExecProcess",
                "SignalProcess", "WaitProcess", "ReadStdout", "ReadStderr", "WriteStdin", "CloseStdin", "TtyWinResize",
                "RemoveContainer", "UpdateInterface", "UpdateRoutes", "ListInterfaces", "ListRoutes", "StatsContainer",
                "PauseContainer", "ResumeContainer", "UpdateContainer", "OnlineCPUMem", "GetGuestDetails",
                "SetGuestDateTime", "CopyFile", "GetOOMEvent", "DestroySandbox")), methods.toString());
        assertEquals(42, methods.size());

        var health = HealthProto.getDescriptor().findServiceByName("Health");
        assertEquals("grpc.Health", health.getFullName());
        assertEquals(List.of("Check", "Version"), health.getMethods().stream().map(MethodDescriptor::getName).toList());
    }

    @Test
    void spotCheckFieldNumbersAndTypeNames() {
        assertField(CreateContainerRequest.getDescriptor(), "OCI", 6, "grpc.Spec");
        assertField(CreateContainerRequest.getDescriptor(), "shared_mounts", 8, "grpc.SharedMount");
        assertField(Spec.getDescriptor(), "Linux", 8, "grpc.Linux");
        assertField(Spec.getDescriptor(), "Windows", 10, "grpc.Windows");
        assertField(Linux.getDescriptor(), "IntelRdt", 13, "grpc.LinuxIntelRdt");
        assertField(ReseedRandomDevRequest.getDescriptor(), "data", 2, null);
        assertField(FSGroup.getDescriptor(), "group_id", 2, null);
        assertField(UpdateInterfaceRequest.getDescriptor(), "interface", 1, "types.Interface");
        assertField(Storage.getDescriptor(), "shared", 8, null);
        assertEquals("grpc.WaitProcessRequest", WaitProcessRequest.getDescriptor().getFullName());
    }

    @Test
    void agentCallRoundTripsOverTtrpc() throws Exception {
        var received = new AtomicReference<CreateContainerRequest>();
        var agent = ServiceDefinition.builder("grpc.AgentService")
                .method("CreateContainer", CreateContainerRequest.parser(), (request, context) -> {
                    received.set(request);
                    return Empty.getDefaultInstance();
                })
                .build();
        var request = CreateContainerRequest.newBuilder()
                .setContainerId("c1")
                .setOCI(Spec.newBuilder()
                        .setVersion("1.1.0")
                        .setProcess(Process.newBuilder().addArgs("/bin/sh").setCwd("/")
                                .setUser(User.newBuilder().setUID(0)))
                        .setLinux(Linux.newBuilder().addNamespaces(LinuxNamespace.newBuilder().setType("pid")))
                        .putAnnotations("io.katacontainers.pkg", "yes"))
                .addStorages(Storage.newBuilder().setDriver("virtio-fs").setMountPoint("/run/kata-containers/shared"))
                .build();
        // Two pipes stand in for any byte stream, as a virtio-serial port would.
        try (var server = TtrpcServer.of(agent); var pipes = new PipePair()) {
            Thread.ofVirtual().start(() -> server.serve(pipes.serverSide()));
            try (var client = new TtrpcClient(pipes.clientSide())) {
                client.call("grpc.AgentService", "CreateContainer", request, Empty.parser(),
                        CallOptions.ofTimeout(Duration.ofSeconds(10)));
            }
        }
        assertEquals(request, received.get());
    }

    private static void assertField(Descriptor message, String name, int number, String type) {
        var field = message.findFieldByName(name);
        assertEquals(number, field.getNumber(), message.getFullName() + "." + name);
        if (type != null) {
            assertEquals(type, field.getMessageType().getFullName());
        }
    }

    /** Two in-memory pipes joined into a client end and a server end. */
    private static final class PipePair implements AutoCloseable {
        private final PipedInputStream serverIn = new PipedInputStream(1 << 16);
        private final PipedOutputStream clientOut = new PipedOutputStream();
        private final PipedInputStream clientIn = new PipedInputStream(1 << 16);
        private final PipedOutputStream serverOut = new PipedOutputStream();

        PipePair() throws IOException {
            serverIn.connect(clientOut);
            clientIn.connect(serverOut);
        }

        Transport clientSide() {
            return Transport.of(clientIn, clientOut, () -> { });
        }

        Transport serverSide() {
            return Transport.of(serverIn, serverOut, () -> { });
        }

        @Override
        public void close() throws IOException {
            try (serverIn; clientOut; clientIn; serverOut) {
                // closes all four pipe ends
            }
        }
    }
}
