package io.katacontainers.runtime.metrics;

import io.katacontainers.api.hypervisor.AgentEndpoint;
import io.katacontainers.api.metrics.Exposition;
import io.katacontainers.api.metrics.Families;
import io.katacontainers.api.metrics.ProcFs;
import io.katacontainers.api.metrics.ProcessMetrics;
import io.katacontainers.runtime.agent.AgentException;
import io.katacontainers.runtime.sandbox.Sandbox;
import io.katacontainers.ttrpc.Handler;
import io.katacontainers.ttrpc.ServiceDefinition;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.snapshots.Labels;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The shim's metrics endpoint, as Kata's: HTTP on {@value #SOCKET} in the sandbox directory while the sandbox
 * exists, serving {@code /metrics} (Prometheus text: {@code kata_shim_*} for this process and its task RPC
 * timings, {@code kata_hypervisor_*} for the VMM's process, which for the built-in VMM is this one, and the agent's
 * {@code kata_agent_*} and {@code kata_guest_*} from GetMetrics) and {@code /agent-url}. Everything is read when
 * scraped; only the RPC histogram is kept.
 */
public final class ShimMetrics implements AutoCloseable {
    /** The endpoint's socket in the sandbox directory (Kata's name). */
    public static final String SOCKET = "shim-monitor.sock";
    /** How long a scrape waits for the agent's metrics. */
    static final Duration AGENT_TIMEOUT = Duration.ofSeconds(5);
    private static final System.Logger LOG = System.getLogger(ShimMetrics.class.getName());
    /** QEMU names its vCPU threads {@code CPU <n>/KVM} or {@code CPU <n>/TCG}; the built-in VMM {@code vcpu-<n>}. */
    private static final Pattern VCPU_THREAD = Pattern.compile("CPU \\d+/.*|vcpu-\\d+");

    private final String sandboxId;
    private final Supplier<Optional<Sandbox>> sandbox;
    private final Function<String, Path> sandboxDir;
    private final ProcFs proc;
    private final Histogram rpcDurations;
    private final Object lock = new Object();
    /** Guarded by {@link #lock}: the endpoint while the sandbox exists. */
    private HttpEndpoint endpoint;
    private Path socket;

    /**
     * @param sandbox    the shim's sandbox, once Create booted it
     * @param sandboxDir the directory of a sandbox, by id
     */
    public ShimMetrics(String sandboxId, Supplier<Optional<Sandbox>> sandbox, Function<String, Path> sandboxDir,
                       ProcFs proc) {
        this.sandboxId = sandboxId;
        this.sandbox = sandbox;
        this.sandboxDir = sandboxDir;
        this.proc = proc;
        this.rpcDurations = Histogram.builder().name("kata_shim_rpc_durations_histogram_milliseconds")
                .help("RPC latency distributions.").labelNames("action")
                .constLabels(Labels.of("sandbox_id", sandboxId))
                .classicUpperBounds(1, 5, 10, 50, 100, 500, 1000, 5000, 10000, 60000).classicOnly()
                .withoutExemplars().build();
    }

    /**
     * The task service with every call timed in {@code kata_shim_rpc_durations_histogram_milliseconds} (action:
     * the method in Kata's snake case), the endpoint following the sandbox after each call.
     */
    public ServiceDefinition timed(ServiceDefinition service) {
        Map<String, Handler> methods = new LinkedHashMap<>();
        service.methods().forEach((method, handler) -> {
            String action = snakeCase(method);
            methods.put(method, (payload, context) -> {
                long begin = System.nanoTime();
                try {
                    return handler.handle(payload, context);
                } finally {
                    rpcDurations.labelValues(action).observe((System.nanoTime() - begin) / 1e6);
                    follow();
                }
            });
        });
        return new ServiceDefinition(service.name(), methods);
    }

    /** Opens the endpoint once the sandbox exists, closes it once it is gone. */
    public void follow() {
        Optional<Sandbox> current = sandbox.get();
        synchronized (lock) {
            if (current.isPresent() && endpoint == null) {
                Path path = sandboxDir.apply(current.get().id()).resolve(SOCKET);
                try {
                    Files.deleteIfExists(path);
                    ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
                    listener.bind(UnixDomainSocketAddress.of(path));
                    endpoint = HttpEndpoint.serve(listener, Map.of("/metrics", request -> metricsResponse(),
                            "/agent-url", request -> HttpEndpoint.Response.text(200, agentUrl() + "\n")),
                            "shim-monitor");
                    socket = path;
                    LOG.log(System.Logger.Level.INFO, "metrics of sandbox {0} served on {1}", sandboxId, path);
                } catch (IOException e) {
                    LOG.log(System.Logger.Level.WARNING, "cannot serve metrics on {0}: {1}", path, e.getMessage());
                }
            } else if (current.isEmpty() && endpoint != null) {
                closeEndpoint();
            }
        }
    }

    private HttpEndpoint.Response metricsResponse() {
        return new HttpEndpoint.Response(200, Exposition.CONTENT_TYPE,
                metrics().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** The whole scrape: the host's families, then the agent's text (absent when the agent does not answer). */
    public String metrics() {
        var out = new Families(Labels.of("sandbox_id", sandboxId));
        long self = ProcessHandle.current().pid();
        ProcessMetrics.add(out, "kata_shim", self, proc, true);
        out.add(rpcDurations.collect());
        Optional<Sandbox> current = sandbox.get();
        if (current.isEmpty()) {
            return Exposition.text(out.build());
        }
        long vmm = current.get().vm().vmmPid();
        ProcessMetrics.add(out, "kata_hypervisor", vmm, proc, true);
        out.gauge("kata_hypervisor_vcpu_threads", "vCPU threads of the VMM.",
                ProcessMetrics.countThreads(proc, vmm, name -> VCPU_THREAD.matcher(name).matches()));
        String host = Exposition.text(out.build());
        try {
            return host + current.get().agent().metrics(AGENT_TIMEOUT);
        } catch (AgentException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "the agent of sandbox {0} gave no metrics: {1}", sandboxId,
                    e.getMessage());
            return host;
        }
    }

    /** The agent's address as Kata writes it: {@code vsock://CID:PORT}, {@code hvsock://PATH:PORT}, ... */
    String agentUrl() {
        Optional<Sandbox> current = sandbox.get();
        if (current.isEmpty()) {
            return "";
        }
        return switch (current.get().vm().agentEndpoint()) {
            case AgentEndpoint.Vsock v -> "vsock://" + v.contextId() + ":" + v.port();
            case AgentEndpoint.HybridVsock h -> "hvsock://" + h.socket() + ":" + h.port();
            case AgentEndpoint.VirtioSerial s -> "unix://" + s.socket();
        };
    }

    /** {@code ResizePty} → {@code resize_pty}, {@code CloseIO} → {@code close_io}, as Kata's actions read. */
    static String snakeCase(String method) {
        return method.replaceAll("([a-z])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
    }

    private void closeEndpoint() {
        endpoint.close();
        endpoint = null;
        try {
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot remove {0}: {1}", socket, e.getMessage());
        }
        socket = null;
    }

    @Override
    public void close() {
        synchronized (lock) {
            if (endpoint != null) {
                closeEndpoint();
            }
        }
    }
}
