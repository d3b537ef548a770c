package io.katacontainers.runtime.monitor;

import io.katacontainers.api.metrics.Exposition;
import io.katacontainers.api.metrics.Families;
import io.katacontainers.runtime.metrics.HttpEndpoint;
import io.katacontainers.runtime.metrics.ShimMetrics;
import io.prometheus.metrics.model.snapshots.Labels;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The monitor against fake shims: the merge by family, and shims that do not answer. */
class KataMonitorTest {
    @TempDir
    Path root;
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable closeable : open) {
            closeable.close();
        }
    }

    /** A shim that answers /metrics with one gauge and one item family labelled with its id. */
    private void fakeShim(String id, double fds) throws IOException {
        String text = Exposition.text(new Families(Labels.of("sandbox_id", id))
                .gauge("kata_shim_fds", "Open FDs.", fds)
                .items("kata_guest_load", "Load.", Map.of("load1", 0.5)).build());
        ServerSocketChannel listener = bind(id);
        open.add(HttpEndpoint.serve(listener, Map.of("/metrics", request -> new HttpEndpoint.Response(200,
                Exposition.CONTENT_TYPE, text.getBytes(StandardCharsets.UTF_8)),
                "/agent-url", request -> HttpEndpoint.Response.text(200, "vsock://3:1024\n")), "fake-" + id));
    }

    private ServerSocketChannel bind(String id) throws IOException {
        Files.createDirectories(root.resolve(id));
        ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        listener.bind(UnixDomainSocketAddress.of(root.resolve(id).resolve(ShimMetrics.SOCKET)));
        open.add(listener);
        return listener;
    }

    @Test
    void mergesTheShimsByFamilyAndCountsTheOnesThatDoNotAnswer() throws Exception {
        fakeShim("pod-a", 11);
        fakeShim("pod-b", 22);
        bind("pod-hung"); // listens, never accepts: the scrape times out
        ServerSocketChannel gone = bind("pod-gone"); // the socket file stays, nobody listens
        gone.close();
        Files.createDirectories(root.resolve("not-a-shim")); // a sandbox directory without an endpoint

        var monitor = new KataMonitor(root, Duration.ofMillis(500));
        assertEquals(List.of("pod-a", "pod-b", "pod-gone", "pod-hung"), monitor.sandboxes());
        String text = monitor.metrics();

        assertEquals(1, count(text, "(?m)^# TYPE kata_shim_fds gauge$"), text);
        assertEquals(1, count(text, "(?m)^# TYPE kata_guest_load gauge$"), text);
        assertTrue(text.contains("kata_shim_fds{sandbox_id=\"pod-a\"} 11.0"), text);
        assertTrue(text.contains("kata_shim_fds{sandbox_id=\"pod-b\"} 22.0"), text);
        assertTrue(text.contains("kata_guest_load{item=\"load1\",sandbox_id=\"pod-b\"} 0.5"), text);
        assertTrue(text.contains("kata_monitor_running_shim_count 4.0"), text);
        assertTrue(text.contains("kata_monitor_scrape_count_total 4.0"), text);
        assertTrue(text.contains("kata_monitor_scrape_failed_count_total 2.0"), text);
        assertTrue(text.contains("kata_monitor_scrape_durations_histogram_milliseconds_count 4"), text);
        assertTrue(text.contains("kata_monitor_process_resident_memory_bytes "), text);

        Files.delete(root.resolve("pod-b").resolve(ShimMetrics.SOCKET));
        String after = monitor.metrics();
        assertTrue(after.contains("sandbox_id=\"pod-a\""), after);
        assertTrue(!after.contains("sandbox_id=\"pod-b\""), "a shim that went away is still scraped:\n" + after);
        assertTrue(after.contains("kata_monitor_running_shim_count 3.0"), after);
    }

    @Test
    void agentUrlAsksTheSandboxShim() throws Exception {
        fakeShim("pod-a", 1);
        var routes = new KataMonitor(root, Duration.ofMillis(500)).routes();
        var url = routes.get("/agent-url").answer(new HttpEndpoint.Request("/agent-url", Map.of("sandbox", "pod-a")));
        assertEquals(200, url.status());
        assertEquals("vsock://3:1024\n", new String(url.body(), StandardCharsets.UTF_8));
        var missing = routes.get("/agent-url").answer(new HttpEndpoint.Request("/agent-url",
                Map.of("sandbox", "nope")));
        assertEquals(404, missing.status());
        var unnamed = routes.get("/agent-url").answer(new HttpEndpoint.Request("/agent-url", Map.of()));
        assertEquals(400, unnamed.status());
    }

    private static int count(String text, String regex) {
        return (int) Pattern.compile(regex).matcher(text).results().count();
    }
}
