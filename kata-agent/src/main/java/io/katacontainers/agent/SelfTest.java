package io.katacontainers.agent;

import com.google.protobuf.Empty;
import io.katacontainers.agent.proto.CheckRequest;
import io.katacontainers.agent.proto.CreateSandboxRequest;
import io.katacontainers.agent.proto.DestroySandboxRequest;
import io.katacontainers.agent.proto.GuestDetailsRequest;
import io.katacontainers.agent.proto.GuestDetailsResponse;
import io.katacontainers.agent.proto.HealthCheckResponse;
import io.katacontainers.agent.proto.VersionCheckResponse;
import io.katacontainers.ttrpc.CallOptions;
import io.katacontainers.ttrpc.StatusException;
import io.katacontainers.ttrpc.TtrpcClient;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

/**
 * {@code --self-test}: a host-mode agent on a private unix socket, called by its own ttrpc client the way the
 * runtime calls a fresh guest agent (Check, Version, GetGuestDetails, CreateSandbox, one container's life through
 * a stand-in runtime: see {@link SelfTestContainer}, DestroySandbox), then gone. The initrd build runs it as root
 * in a private mount namespace to train the agent's AOT cache on the classes a real start and a real container
 * load (protobuf, ttrpc, services, bundles), which a {@code --version} run never touches; it doubles as a smoke test
 * of the image's agent.
 */
final class SelfTest {
    private static final CallOptions CALL = CallOptions.ofTimeout(Duration.ofSeconds(30));
    private static final Duration SOCKET_WAIT = Duration.ofSeconds(30);

    private SelfTest() {
    }

    static void run() throws IOException, InterruptedException, StatusException {
        Path dir = Files.createTempDirectory("kata-agent-self-test");
        try {
            Path socket = dir.resolve("agent.sock");
            Path runtime = SelfTestContainer.writeRuntime(dir);
            var options = AgentOptions.parse(List.of("--listen", "unix:" + socket, "--runtime", runtime.toString(),
                    "--state-dir", dir.resolve("state").toString()), false, Map::of);
            var agent = new Agent(options);
            var failure = new AtomicReference<Exception>();
            Thread server = Thread.ofPlatform().name("self-test-agent").start(() -> {
                try {
                    agent.run(agent.platform());
                } catch (IOException | InterruptedException | RuntimeException e) {
                    failure.set(e);
                }
            });
            try (var client = connect(socket, server)) {
                client.call("grpc.Health", "Check", CheckRequest.getDefaultInstance(), HealthCheckResponse.parser(),
                        CALL);
                client.call("grpc.Health", "Version", CheckRequest.getDefaultInstance(),
                        VersionCheckResponse.parser(), CALL);
                client.call("grpc.AgentService", "GetGuestDetails", GuestDetailsRequest.newBuilder()
                        .setMemBlockSize(true).build(), GuestDetailsResponse.parser(), CALL);
                client.call("grpc.AgentService", "CreateSandbox", CreateSandboxRequest.newBuilder()
                        .setSandboxId("self-test").setHostname("self-test").build(), Empty.parser(), CALL);
                SelfTestContainer.run(client, dir.resolve("rootfs"), CALL);
                client.call("grpc.AgentService", "DestroySandbox", DestroySandboxRequest.getDefaultInstance(),
                        Empty.parser(), CALL);
            }
            server.join();
            if (failure.get() != null) {
                throw new IOException("the self-test agent failed: " + failure.get().getMessage(), failure.get());
            }
        } finally {
            try (Stream<Path> tree = Files.walk(dir)) {
                for (Path path : tree.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(path);
                }
            }
        }
    }

    /** Connects once the agent listens: its socket file exists from bind(2), before listen(2) accepts anyone. */
    private static TtrpcClient connect(Path socket, Thread server) throws IOException, InterruptedException {
        Instant deadline = Instant.now().plus(SOCKET_WAIT);
        while (true) {
            try {
                return TtrpcClient.connect(socket);
            } catch (IOException e) {
                if (!server.isAlive() || Instant.now().isAfter(deadline)) {
                    throw new IOException("the self-test agent did not accept on " + socket + ": " + e.getMessage(), e);
                }
            }
            Thread.sleep(10);
        }
    }
}
