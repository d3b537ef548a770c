package io.katacontainers.runtime.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.Empty;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import io.katacontainers.containerd.events.ForwardRequest;
import io.katacontainers.containerd.runtimeoptions.Options;
import io.katacontainers.containerd.task.CreateTaskRequest;
import io.katacontainers.containerd.task.CreateTaskResponse;
import io.katacontainers.containerd.task.ExecProcessRequest;
import io.katacontainers.containerd.task.StateRequest;
import io.katacontainers.containerd.task.StateResponse;
import io.katacontainers.containerd.task.WaitRequest;
import io.katacontainers.containerd.task.WaitResponse;
import io.katacontainers.containerd.types.Status;
import io.katacontainers.runtime.agent.FakeAgent;
import io.katacontainers.runtime.core.FakeHypervisorDriver;
import io.katacontainers.runtime.persist.StateStore;
import io.katacontainers.runtime.shim.RuntimeOptions;
import io.katacontainers.ttrpc.CallOptions;
import io.katacontainers.ttrpc.Code;
import io.katacontainers.ttrpc.ServiceDefinition;
import io.katacontainers.ttrpc.StatusException;
import io.katacontainers.ttrpc.TtrpcClient;
import io.katacontainers.ttrpc.TtrpcServer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * containerd-shim-kata-v2's task service as containerd sees it, for the unit tier: the service on its own ttrpc
 * socket, a client of it, and a stand-in containerd that records the events' topics. The VMs come from the given
 * fake driver, whatever agent it gives them.
 */
final class ShimHarness implements AutoCloseable {
    private static final CallOptions CALL = CallOptions.ofTimeout(Duration.ofSeconds(30));

    private final Path dir;
    private final Path config;
    private final TtrpcServer containerd;
    private final EventPublisher events;
    private final TaskService service;
    private final TtrpcServer shim;
    private final TtrpcClient client;
    private final LinkedBlockingQueue<String> topics = new LinkedBlockingQueue<>();
    private final CountDownLatch shutDown = new CountDownLatch(1);

    ShimHarness(Path dir, FakeHypervisorDriver driver) throws IOException {
        this.dir = dir;
        config = Files.writeString(dir.resolve("configuration.toml"), "[hypervisor.qemu]\n[agent.kata]\n"
                + "dial_timeout = 30\n");
        containerd = serve(dir.resolve("containerd.sock"), ServiceDefinition.builder(EventPublisher.SERVICE)
                .method("Forward", ForwardRequest.parser(), (request, context) -> {
                    topics.add(request.getEnvelope().getTopic());
                    return Empty.getDefaultInstance();
                }).build());
        events = new EventPublisher(Optional.of(dir.resolve("containerd.sock")), "test");
        service = new TaskService(new StateStore(dir.resolve("sbs")), driver.drivers(), events, shutDown::countDown);
        shim = serve(dir.resolve("shim.sock"), service.definition());
        client = TtrpcClient.connect(dir.resolve("shim.sock"));
    }

    private static TtrpcServer serve(Path socket, ServiceDefinition definition) throws IOException {
        TtrpcServer server = TtrpcServer.of(definition);
        FakeAgent.listen(server, socket);
        return server;
    }

    @Override
    public void close() throws Exception {
        client.close();
        service.close();
        shim.close();
        events.close();
        containerd.close();
    }

    <R> R call(String method, MessageLite request, Parser<R> parser) throws StatusException {
        return client.call(TaskService.SERVICE, method, request, parser, CALL);
    }

    void call(String method, MessageLite request) throws StatusException {
        call(method, request, Empty.parser());
    }

    /** Asserts that {@code method} fails with {@code code}; returns the failure's message. */
    String refused(Code code, String method, MessageLite request) {
        StatusException failure = assertThrows(StatusException.class, () -> call(method, request, Empty.parser()),
                method + " must be refused");
        assertEquals(code, failure.code(), method + ": " + failure.getMessage());
        return failure.getMessage();
    }

    /**
     * A bundle as containerd lays it out: config.json (a runtime-spec with its own mount, IPC and UTS namespaces,
     * /proc and /dev) and an empty rootfs, for the test to fill.
     */
    Path bundle(String name, List<String> args, Map<String, String> annotations) throws IOException {
        Path bundle = Files.createDirectories(dir.resolve(name));
        Files.createDirectories(bundle.resolve("rootfs"));
        String json = "{\"ociVersion\":\"1.0.2\",\"process\":{\"cwd\":\"/\",\"env\":[\"PATH=/bin\"],\"args\":"
                + strings(args) + "},\"root\":{\"path\":\"rootfs\"},\"annotations\":{"
                + String.join(",", annotations.entrySet().stream()
                        .map(e -> "\"" + e.getKey() + "\":\"" + e.getValue() + "\"").toList())
                + "},\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
                + "{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\","
                + "\"options\":[\"nosuid\",\"mode=755\"]}],"
                + "\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{\"type\":\"ipc\"},{\"type\":\"uts\"}]}}";
        Files.writeString(bundle.resolve("config.json"), json);
        return bundle;
    }

    private static String strings(List<String> values) {
        return "[" + String.join(",", values.stream().map(value -> "\"" + value + "\"").toList()) + "]";
    }

    CreateTaskRequest.Builder create(String id, Path bundle) {
        return CreateTaskRequest.newBuilder().setId(id).setBundle(bundle.toString())
                .setOptions(Any.newBuilder().setTypeUrl(RuntimeOptions.TYPE_URL)
                        .setValue(Options.newBuilder().setConfigPath(config.toString()).build().toByteString()));
    }

    CreateTaskResponse createContainer(String id, List<String> args) throws Exception {
        return call("Create", create(id, bundle(id, args, Map.of())).build(), CreateTaskResponse.parser());
    }

    static ExecProcessRequest exec(String id, String execId, String... args) {
        String spec = "{\"cwd\":\"/\",\"env\":[\"PATH=/bin\"],\"args\":" + strings(List.of(args)) + "}";
        return ExecProcessRequest.newBuilder().setId(id).setExecId(execId).setSpec(Any.newBuilder()
                .setTypeUrl("types.containerd.io/opencontainers/runtime-spec/1/Process")
                .setValue(ByteString.copyFrom(spec, StandardCharsets.UTF_8))).build();
    }

    Status status(String id, String execId) throws StatusException {
        return call("State", StateRequest.newBuilder().setId(id).setExecId(execId).build(), StateResponse.parser())
                .getStatus();
    }

    /** Wait: the process's exit status. */
    int await(String id, String execId) throws StatusException {
        return call("Wait", WaitRequest.newBuilder().setId(id).setExecId(execId).build(), WaitResponse.parser())
                .getExitStatus();
    }

    /** The topics containerd received, up to and including the next {@code last}. */
    List<String> topicsUpTo(String last) throws InterruptedException {
        List<String> seen = new ArrayList<>();
        while (seen.isEmpty() || !seen.getLast().equals(last)) {
            String topic = topics.poll(30, TimeUnit.SECONDS);
            assertTrue(topic != null, "no " + last + " event after " + seen);
            seen.add(topic);
        }
        return seen;
    }

    /** Whether the service asked for the shim's exit (Shutdown with no container left), waiting up to 10 s. */
    boolean shutDown() throws InterruptedException {
        return shutDown.await(10, TimeUnit.SECONDS);
    }

    boolean stillServing() {
        return shutDown.getCount() == 1;
    }

    /** The sandbox directory of {@code id}. */
    Path sandboxDir(String id) {
        return dir.resolve("sbs").resolve(id);
    }
}
