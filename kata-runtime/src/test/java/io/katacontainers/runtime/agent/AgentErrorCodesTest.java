package io.katacontainers.runtime.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.Empty;
import io.katacontainers.agent.proto.StartContainerRequest;
import io.katacontainers.ttrpc.CallOptions;
import io.katacontainers.ttrpc.Code;
import io.katacontainers.ttrpc.ServiceDefinition;
import io.katacontainers.ttrpc.StatusException;
import io.katacontainers.ttrpc.TtrpcClient;
import io.katacontainers.ttrpc.TtrpcServer;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * A failure the agent reports with a code reaches the runtime's own callers (containerd, the CLI) with the same
 * code, through a service that calls the agent and lets its {@link AgentException} out.
 */
class AgentErrorCodesTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(names = {"NOT_FOUND", "FAILED_PRECONDITION", "ALREADY_EXISTS", "INVALID_ARGUMENT", "UNAVAILABLE"})
    void anAgentsCodeReachesTheRuntimesCaller(Code code) throws Exception {
        try (FakeAgent agent = FakeAgent.serve(dir.resolve("agent.sock"), FakeAgent.service()
                .method("StartContainer", StartContainerRequest.parser(), (request, context) -> {
                    throw new StatusException(code, "container " + request.getContainerId());
                }));
             AgentClient toAgent = agent.client()) {
            TtrpcServer runtime = TtrpcServer.of(ServiceDefinition.builder("test.Runtime")
                    .method("Start", Empty.parser(), (request, context) -> {
                        toAgent.startContainer("c1");
                        return Empty.getDefaultInstance();
                    }).build());
            ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            listener.bind(UnixDomainSocketAddress.of(dir.resolve("runtime.sock")));
            Thread acceptor = Thread.ofVirtual().start(() -> {
                try {
                    runtime.listen(listener);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            try (TtrpcClient containerd = TtrpcClient.connect(dir.resolve("runtime.sock"))) {
                StatusException failure = assertThrows(StatusException.class, () -> containerd.call("test.Runtime",
                        "Start", Empty.getDefaultInstance(), Empty.parser(), CallOptions.ofTimeout(
                                Duration.ofSeconds(10))));
                assertEquals(code, failure.code());
            } finally {
                runtime.close();
                acceptor.join();
            }
        }
    }
}
